#!/usr/bin/env bash
# A real multi-JVM Spark cluster on this machine: a standalone master and two workers (separate JVMs, one core each)
# from the Maven-resolved Spark jars in a generated SPARK_HOME. Identity resolution of a demo tenant runs on it while
# one executor JVM is killed with SIGKILL; the run must succeed, must have retrieved candidates in more than one
# executor, and its unified ids must equal those of a local[2] run over the same input. Everything started is stopped
# by process id at the end.
#   scripts/cluster-test.sh [--people N] [--checkpoint-dir DIR]    (default 3000 people; `make cluster-test`)
# Checkpoints go to the default folder under the warehouse, or to DIR as spark.checkpoint.dir; either way the run's
# folder must be gone at its end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PEOPLE=3000
CHECKPOINT_DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) PEOPLE="$2"; shift 2 ;;
    --checkpoint-dir) CHECKPOINT_DIR="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
WORK="$ROOT/bench-work/cluster-test"
SUBMIT="$ROOT/scripts/lakecdp-submit"
START=$SECONDS
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  pkill -f "CoarseGrainedExecutorBackend.*$WORK" 2>/dev/null || true
}
trap cleanup EXIT
log() { echo "[cluster-test $((SECONDS - START))s] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

[[ -f common/target/spark-classpath.txt && -f jobs/identity-resolution/target/lakecdp-identity-resolution-job.jar \
   && -f jobs/dlo-write/target/lakecdp-dlo-write-job.jar && -f jobs/inspect/target/lakecdp-inspect-job.jar ]] || mvn -B -q package -DskipTests
rm -rf "$WORK" && mkdir -p "$WORK/spark-home/jars" "$WORK/spark-home/conf" "$WORK/logs"
tr ':' '\n' < common/target/spark-classpath.txt | while read -r jar; do ln -s "$jar" "$WORK/spark-home/jars/"; done
cp conf/log4j2.properties "$WORK/spark-home/conf/"
printf 'rootLogger.level = info\nrootLogger.appenderRef.stderr.ref = console\nappender.console.type = Console\n%s\n%s\n%s\n' \
  'appender.console.name = console' 'appender.console.layout.type = PatternLayout' \
  'appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex' > "$WORK/log4j2-daemons.properties"
# Only the master and workers get SPARK_HOME (executors are started from it); lakecdp-submit must not see it, or it
# would look for $SPARK_HOME/bin/spark-submit.
HOME_DIR="$WORK/spark-home"
export SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
FLAGS=(-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED)
CP="$HOME_DIR/conf:$HOME_DIR/jars/*"
PORT="$(free_port)"
MASTER="spark://127.0.0.1:$PORT"
DAEMON_LOG="-Dlog4j.configurationFile=file:$WORK/log4j2-daemons.properties"
SPARK_HOME="$HOME_DIR" java "${FLAGS[@]}" -Xmx512m "$DAEMON_LOG" -cp "$CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" \
  --webui-port "$(free_port)" > "$WORK/logs/master.log" 2>&1 &
PIDS+=($!)
for i in 1 2; do
  SPARK_HOME="$HOME_DIR" java "${FLAGS[@]}" -Xmx512m "$DAEMON_LOG" -cp "$CP" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
    --memory 2g --webui-port "$(free_port)" --work-dir "$WORK/work-$i" "$MASTER" > "$WORK/logs/worker-$i.log" 2>&1 &
  PIDS+=($!)
done
for i in $(seq 1 60); do
  [[ $(grep -l "Successfully registered with master" "$WORK"/logs/worker-*.log 2>/dev/null | wc -l) -eq 2 ]] && break
  sleep 1
done
[[ $(grep -l "Successfully registered with master" "$WORK"/logs/worker-*.log | wc -l) -eq 2 ]] \
  || { tail -n 20 "$WORK"/logs/*.log; echo "workers did not register" >&2; exit 1; }
log "master $MASTER and 2 workers up (pids ${PIDS[*]})"

# Two tenants over the same landing files: one resolved on the cluster, one in local[2].
CONF="$WORK/conf"
mkdir -p "$CONF/tenants"
java -cp jobs/demo-data/target/lakecdp-demo-data-job.jar io.lakecdp.demo.DemoDataMain --people "$PEOPLE" \
  --out "$WORK/landing" > /dev/null
printf 'catalog:\n  name: lake\n  type: hadoop\n  warehouse: %s\nspark:\n  spark.sql.shuffle.partitions: "4"\n' \
  "$WORK/warehouse" > "$CONF/local.yaml"
[[ -z "$CHECKPOINT_DIR" ]] || printf '  spark.checkpoint.dir: "%s"\n' "$CHECKPOINT_DIR" >> "$CONF/local.yaml"
for t in oncluster onlocal; do
  cp -r conf/tenants/demo "$CONF/tenants/$t"
  sed -i "s#^streams:#landingRoot: $WORK/landing\nstreams:#" "$CONF/tenants/$t/streams.yaml"
  "$SUBMIT" dlo-write --tenant "$t" --conf "$CONF" --master 'local[2]' > "$WORK/logs/ingest-$t.log" 2>&1
done
log "demo data ($PEOPLE people) ingested for both tenants"

"$SUBMIT" identity-resolution --tenant onlocal --conf "$CONF" --master 'local[2]' > "$WORK/logs/ir-local.out" \
  2> "$WORK/logs/ir-local.log"
log "local[2] run done"

# spark-submit in client mode from the Maven classpath; the executors run in JVMs the workers start. An executor is
# killed early in the run (building profiles); the worker starts a new one, which must take part in the candidate
# retrieval: small retrieval partitions (about 500 block members each) and no locality wait give both executors some.
"$SUBMIT" identity-resolution --tenant oncluster --conf "$CONF" --master "$MASTER" \
  --driver-java-options "-Dlakecdp.ir.docs-per-index=500" --conf spark.locality.wait=0 \
  --conf spark.executor.memory=1g --conf spark.executor.cores=1 --conf spark.task.maxFailures=4 \
  > "$WORK/logs/ir-cluster.out" 2> "$WORK/logs/ir-cluster.log" &
IR=$!
PIDS+=($IR)
KILLED=""
for i in $(seq 1 600); do
  if grep -q "Complete run\|Incremental run" "$WORK/logs/ir-cluster.log" 2>/dev/null; then
    EXEC="$(pgrep -f CoarseGrainedExecutorBackend | head -1 || true)"
    if [[ -n "$EXEC" ]]; then
      sleep 2
      kill -9 "$EXEC" && KILLED="$EXEC"
      log "killed executor JVM $EXEC (SIGKILL) during identity resolution"
      break
    fi
  fi
  kill -0 "$IR" 2>/dev/null || break
  sleep 0.5
done
wait "$IR" || { tail -n 30 "$WORK/logs/ir-cluster.log"; echo "cluster run failed" >&2; exit 1; }
[[ -n "$KILLED" ]] || { echo "no executor was killed: the run ended first" >&2; exit 1; }
grep -qi "lost executor" "$WORK/logs/ir-cluster.log" \
  || { echo "the driver never lost an executor: the kill did not hit the run" >&2; exit 1; }
log "driver: $(grep -i -m1 'lost executor' "$WORK/logs/ir-cluster.log" | cut -d' ' -f3-)"
SUMMARY="$(tail -n 1 "$WORK/logs/ir-cluster.out")"
EXECUTORS="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(len(d["details"]["retrieval_partitions_by_executor"]), d["details"]["retrieval_partitions_by_executor"])' "$SUMMARY")"
log "retrieval partitions per executor: $EXECUTORS"
USED="$(grep -o 'checkpoints of this run go to [^ ]*' "$WORK/logs/ir-cluster.log" | head -1 | cut -d' ' -f7)"
[[ -n "$USED" ]] || { echo "the run did not say where its checkpoints went" >&2; exit 1; }
[[ -z "$CHECKPOINT_DIR" || "$USED" == *"${CHECKPOINT_DIR#file:}"* ]] \
  || { echo "checkpoints went to $USED, not under $CHECKPOINT_DIR" >&2; exit 1; }
[[ ! -e "${USED#file:}" ]] || { echo "the run's checkpoint folder $USED is still there" >&2; exit 1; }
log "checkpoints went to $USED, deleted at the end"
[[ "${EXECUTORS%% *}" -ge 2 ]] || { echo "candidate retrieval ran in fewer than 2 executors" >&2; exit 1; }

"$SUBMIT" inspect --tenant oncluster --conf "$CONF" --same-unified-as onlocal --master 'local[2]' \
  > "$WORK/logs/compare.out" 2> "$WORK/logs/compare.log" || { grep "Unified ids" "$WORK/logs/compare.out"; exit 1; }
log "$(grep 'Unified ids' "$WORK/logs/compare.out")"
log "PASSED in $((SECONDS - START)) s: cluster run survived a killed executor, used 2 executors, equals local[2]"
