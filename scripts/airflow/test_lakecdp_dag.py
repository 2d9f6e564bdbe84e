"""Checks lakecdp_dag.py without Airflow (which the package registries here do not serve): minimal stand-ins for the
few Airflow classes it uses record tasks and dependencies, and the DAGs built for both variants must have one task
per registry stage, chained in the registry's order, with the registry's main classes, jars and arguments.

Usage: python3 test_lakecdp_dag.py REGISTRY_PIPELINE_JSON   (the output of `JobRegistry pipeline`)
"""
import json
import os
import sys
import types


class Task:
    def __init__(self, task_id, dag, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream = []
        dag.tasks.append(self)

    def __rshift__(self, other):
        self.downstream.append(other)
        return other


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = []


def install_stand_ins():
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    module("airflow", DAG=DAG)
    module("airflow.models", Variable=None)
    module("airflow.providers")
    module("airflow.providers.apache")
    module("airflow.providers.apache.spark")
    module("airflow.providers.apache.spark.operators")
    module("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=type("SparkSubmitOperator", (Task,), {}))
    module("airflow.providers.amazon")
    module("airflow.providers.amazon.aws")
    module("airflow.providers.amazon.aws.operators")
    module("airflow.providers.amazon.aws.operators.emr", EmrAddStepsOperator=type("EmrAddStepsOperator", (Task,), {}))
    module("airflow.providers.amazon.aws.sensors")
    module("airflow.providers.amazon.aws.sensors.emr", EmrStepSensor=type("EmrStepSensor", (Task,), {}))


def chain(dag):
    """The tasks in dependency order, checking the graph is a single chain."""
    heads = [t for t in dag.tasks if not any(t in o.downstream for o in dag.tasks)]
    assert len(heads) == 1, "one first task expected, found %s" % [t.task_id for t in heads]
    order, t = [], heads[0]
    while True:
        order.append(t)
        assert len(t.downstream) <= 1, "%s has several downstream tasks" % t.task_id
        if not t.downstream:
            break
        t = t.downstream[0]
    assert len(order) == len(dag.tasks), "every task is on the chain"
    return order


def main(registry_file):
    install_stand_ins()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import lakecdp_dag

    with open(registry_file, encoding="utf-8") as f:
        registry = json.load(f)
    shipped = lakecdp_dag.load_pipeline()
    assert shipped == registry, "scripts/airflow/lakecdp_pipeline.json differs from the job registry: run make airflow-json"

    everything = {"kafka": True, "activations": True, "transforms": True, "maintain": True}
    dag = lakecdp_dag.make_dag("acme", variant="spark_submit", tenant_options=everything)
    order = chain(dag)
    assert [t.task_id for t in order] == [s["stage"] for s in registry], [t.task_id for t in order]
    for task, stage in zip(order, registry):
        assert task.kwargs["java_class"] == stage["mainClass"], task.task_id
        assert task.kwargs["application"].endswith("/" + os.path.basename(stage["jar"])), task.task_id
        args = task.kwargs["application_args"]
        assert args[:len(stage["args"])] == stage["args"], task.task_id
        assert args[args.index("--tenant") + 1] == "acme" and "--run-id" in args, task.task_id

    dag = lakecdp_dag.make_dag("acme", variant="emr", cluster_id="j-TEST", tenant_options=everything)
    order = chain(dag)
    expected = []
    for s in registry:
        expected += [s["stage"], s["stage"] + "_done"]
    assert [t.task_id for t in order] == expected, [t.task_id for t in order]
    for stage in registry:
        add = next(t for t in order if t.task_id == stage["stage"])
        step_args = add.kwargs["steps"][0]["HadoopJarStep"]["Args"]
        assert step_args[:5] == ["spark-submit", "--deploy-mode", "cluster", "--class", stage["mainClass"]], step_args
        assert step_args[5].endswith("/jars/" + os.path.basename(stage["jar"])), step_args

    plain = lakecdp_dag.make_dag("small", tenant_options={})
    skipped = {s["stage"] for s in registry if s["when"] in ("kafka", "maintain")}
    assert [t.task_id for t in chain(plain)] == [s["stage"] for s in registry if s["stage"] not in skipped]
    print("ok: %d stages, both variants, order and arguments match the job registry" % len(registry))


if __name__ == "__main__":
    main(sys.argv[1])
