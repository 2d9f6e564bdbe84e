#!/usr/bin/env bash
# EMR bootstrap action for lakecdp (runs on every node, before EMR installs Spark).
#   Script: s3://<bucket>/lakecdp/emr-bootstrap/bootstrap.sh   Args: s3://<bucket>/lakecdp
# What it installs, and why:
#   /etc/lakecdp/conf/      the configuration folder (env files + tenants/): every job reads --conf from the local
#                           disk, and in cluster deploy mode the driver may run on any node.
#   /opt/lakecdp/lib/*.jar  extra jars the cluster classpath needs (iceberg-aws-bundle for the Glue catalog and
#                           S3FileIO); configurations.json puts them on the driver and executor classpath.
#   /opt/lakecdp/jars/      the job jars, for spark-submit from the primary node (steps may also use s3:// paths).
set -euo pipefail
ARTIFACTS="${1:?usage: bootstrap.sh s3://bucket/prefix (holding conf/, lib/ and jars/)}"
ARTIFACTS="${ARTIFACTS%/}"
sudo mkdir -p /etc/lakecdp/conf /opt/lakecdp/lib /opt/lakecdp/jars
sudo aws s3 cp --recursive --only-show-errors "$ARTIFACTS/conf/" /etc/lakecdp/conf/
sudo aws s3 cp --recursive --only-show-errors "$ARTIFACTS/lib/" /opt/lakecdp/lib/
sudo aws s3 cp --recursive --only-show-errors "$ARTIFACTS/jars/" /opt/lakecdp/jars/
sudo chmod -R a+rX /etc/lakecdp /opt/lakecdp
echo "lakecdp: conf, lib and jars installed from $ARTIFACTS"
