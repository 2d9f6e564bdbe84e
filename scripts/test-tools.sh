#!/usr/bin/env bash
# Installs what the tests need beyond Java and Maven: Debian's chromium (a real headless browser renders the HTML
# run report in the end-to-end tests), python3 (the Airflow DAG test) and PostgreSQL 15's server binaries (the JDBC
# catalog; scripts/postgres.sh runs them). Kafka and the S3-compatible server come from Maven Central and are
# started by the tests themselves.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v python3 >/dev/null || missing+=(python3)
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || missing+=(postgresql-15)
[[ ${#missing[@]} -eq 0 ]] && exit 0
SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "test-tools: installing ${missing[*]} (apt-get)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
