"""Airflow DAGs for lakecdp: one DAG per tenant, built by a small factory.

The stages, their order, main classes, jars and fixed arguments come from lakecdp_pipeline.json, which is the job
registry's own output (`make airflow-json`; a test fails when the two differ), so the DAG cannot drift from the code.

Two variants:
  * "spark_submit": SparkSubmitOperator tasks on a Spark connection (YARN, standalone or Kubernetes master).
  * "emr": EmrAddStepsOperator + EmrStepSensor per stage on an existing EMR cluster (command-runner.jar spark-submit
    in cluster deploy mode; jars under <artifacts>/jars/, configuration copied to /etc/lakecdp/conf by the bootstrap
    action in emr-bootstrap/).

Every task passes Airflow's run id as --run-id, so a retried task is a no-op for work its earlier attempt committed.
Put this file and lakecdp_pipeline.json in the DAGs folder and list tenants in the Airflow Variable
"lakecdp_tenants" (JSON, e.g. {"demo": {"variant": "emr", "cluster_id": "j-XXXX", "artifacts": "s3://bucket/lakecdp"}}).
"""
import json
import os
from datetime import datetime, timedelta

PIPELINE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lakecdp_pipeline.json")
RUN_ID = "{{ run_id | replace(':', '_') | replace('+', '_') }}"


def load_pipeline(path=PIPELINE_FILE):
    """The stages in dependency order, as the job registry prints them."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def stage_args(stage, tenant, conf_dir, env):
    """Arguments of one stage's job after the jar: fixed ones from the registry, then the job contract."""
    return list(stage["args"]) + ["--tenant", tenant, "--conf", conf_dir, "--env", env,
                                  "--run-id", RUN_ID + "-" + stage["stage"]]


def wanted(stage, tenant_options):
    """Optional stages (Kafka ingest, transforms, activation, table maintenance) run only when the tenant options ask for them."""
    when = stage.get("when")
    if when == "kafka":
        return bool(tenant_options.get("kafka", False))
    if when == "activations":
        return bool(tenant_options.get("activations", True))
    if when == "transforms":
        return bool(tenant_options.get("transforms", True))
    if when == "maintain":
        return bool(tenant_options.get("maintain", False))
    return True


def make_dag(tenant, variant="spark_submit", schedule="@daily", conf_dir="/etc/lakecdp/conf", env="emr",
             jars_dir="/opt/lakecdp/jars", artifacts="s3://my-lakecdp-bucket/lakecdp", cluster_id=None,
             spark_conn_id="spark_default", aws_conn_id="aws_default", tenant_options=None, pipeline=None):
    """One DAG for one tenant: a task per stage, chained in the registry's order."""
    from airflow import DAG

    tenant_options = tenant_options or {}
    stages = [s for s in (pipeline or load_pipeline()) if wanted(s, tenant_options)]
    dag = DAG(
        dag_id="lakecdp_" + tenant,
        description="lakecdp pipeline for tenant " + tenant,
        schedule=schedule,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        default_args={"owner": "lakecdp", "retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=["lakecdp", tenant],
    )
    previous = None
    for stage in stages:
        name = stage["stage"]
        if variant == "spark_submit":
            from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

            first = SparkSubmitOperator(
                task_id=name,
                dag=dag,
                conn_id=spark_conn_id,
                application=jars_dir + "/" + os.path.basename(stage["jar"]),
                java_class=stage["mainClass"],
                application_args=stage_args(stage, tenant, conf_dir, env),
                name="lakecdp-" + tenant + "-" + name,
            )
            last = first
        elif variant == "emr":
            from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
            from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

            step = {
                "Name": "lakecdp " + tenant + " " + name,
                "ActionOnFailure": "CANCEL_AND_WAIT",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": ["spark-submit", "--deploy-mode", "cluster", "--class", stage["mainClass"],
                             artifacts.rstrip("/") + "/jars/" + os.path.basename(stage["jar"])]
                            + stage_args(stage, tenant, conf_dir, env),
                },
            }
            first = EmrAddStepsOperator(task_id=name, dag=dag, job_flow_id=cluster_id, aws_conn_id=aws_conn_id,
                                        steps=[step])
            last = EmrStepSensor(task_id=name + "_done", dag=dag, job_flow_id=cluster_id, aws_conn_id=aws_conn_id,
                                 step_id="{{ task_instance.xcom_pull(task_ids='" + name + "')[0] }}")
            first >> last
        else:
            raise ValueError("variant must be spark_submit or emr, not " + repr(variant))
        if previous is not None:
            previous >> first
        previous = last
    return dag


def _tenants():
    try:
        from airflow.models import Variable
        return json.loads(Variable.get("lakecdp_tenants", default_var="{}"))
    except Exception:  # outside a configured Airflow (tests, py_compile): no tenants
        return {}


for _tenant, _options in _tenants().items():
    globals()["lakecdp_" + _tenant] = make_dag(
        _tenant, variant=_options.get("variant", "spark_submit"), schedule=_options.get("schedule", "@daily"),
        cluster_id=_options.get("cluster_id"), artifacts=_options.get("artifacts", "s3://my-lakecdp-bucket/lakecdp"),
        tenant_options=_options)
