#!/usr/bin/env bash
# A local Iceberg REST catalog server (conf/rest.yaml) that keeps its state in the project's PostgreSQL: the catalog
# as a service that Spark jobs, other engines and a laptop reach over HTTP.
#   scripts/rest-catalog.sh start --pg-port PORT --warehouse DIR [--dir DIR] [--port PORT]
#   scripts/rest-catalog.sh stop [--dir DIR]     stop the server by its process id
#   scripts/rest-catalog.sh status [--dir DIR]
#   scripts/rest-catalog.sh env [--dir DIR]      print `export LAKECDP_REST_URI=...` (eval it)
# DIR (port, process id, log) defaults to $LAKECDP_REST_DIR or <project>/work/rest-catalog; PORT to the one DIR used
# before, else a free port; --pg-port to $LAKECDP_PG_PORT (start PostgreSQL first: scripts/postgres.sh start);
# --warehouse (where the server puts new tables: a folder, hdfs:// or s3a:// location) to $LAKECDP_WAREHOUSE.
# The server is org.apache.iceberg:iceberg-open-api:1.10.1 (its RESTCatalogServer, with the PostgreSQL driver),
# fetched into the local Maven repository on first use and run in its own JVM (it bundles Jetty and cloud SDKs).
# Its catalog is an Iceberg JDBC catalog named rest_backend in PostgreSQL's database lakecdp, so its tables and views
# outlive the server. No authentication: a laptop or test server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/server-lib.sh
source "$ROOT/scripts/server-lib.sh"
ICEBERG=1.10.1
PG_DRIVER=42.7.14
DIR="${LAKECDP_REST_DIR:-$ROOT/work/rest-catalog}"
PORT=""
PG_PORT="${LAKECDP_PG_PORT:-}"
WAREHOUSE="${LAKECDP_WAREHOUSE:-}"
server_args "start stop status env" "$@"
[[ ${#OTHER_ARGS[@]} -eq 0 ]] || die "unknown option ${OTHER_ARGS[0]}"
url() { echo "http://127.0.0.1:$(cat "$DIR/port")"; }

# A jar from the local Maven repository, fetched once.
jar() {
  local group="$1" artifact="$2" version="$3"
  local path="$HOME/.m2/repository/${group//.//}/$artifact/$version/$artifact-$version.jar"
  if [[ ! -f "$path" ]]; then
    echo "rest-catalog.sh: fetching $group:$artifact:$version" >&2
    mvn -B -q dependency:get -Dartifact="$group:$artifact:$version" -Dtransitive=false >&2
  fi
  echo "$path"
}

case "$CMD" in
  status|env|stop)
    server_command log LAKECDP_REST_URI url TERM 10 ;;
  start)
    [[ -n "$PG_PORT" ]] || die "--pg-port (or LAKECDP_PG_PORT) is required: the server keeps its catalog in PostgreSQL"
    [[ -n "$WAREHOUSE" ]] || die "--warehouse (or LAKECDP_WAREHOUSE) is required"
    if running; then echo "rest-catalog.sh: already running (pid $(cat "$PIDFILE"))" >&2; url; exit 0; fi
    CP="$(jar org.apache.iceberg iceberg-open-api "$ICEBERG"):$(jar org.postgresql postgresql "$PG_DRIVER")"
    if [[ -z "$PORT" && -f "$DIR/port" ]]; then PORT="$(cat "$DIR/port")"; fi
    if [[ -z "$PORT" ]]; then
      PORT="$(free_port)"
    fi
    echo "$PORT" > "$DIR/port"
    case "$WAREHOUSE" in *://*) ;; *) mkdir -p "$WAREHOUSE"; WAREHOUSE="$(cd "$WAREHOUSE" && pwd)" ;; esac
    # The server reads its catalog's properties from CATALOG_* variables (CATALOG_JDBC_USER is jdbc.user, a double
    # underscore a dash). Schema V1: the JDBC catalog schema that can also hold views.
    CATALOG_URI="jdbc:postgresql://127.0.0.1:$PG_PORT/lakecdp" CATALOG_JDBC_USER=lakecdp CATALOG_JDBC_PASSWORD= \
      CATALOG_JDBC_SCHEMA__VERSION=V1 CATALOG_WAREHOUSE="$WAREHOUSE" CATALOG_REST_PORT="$PORT" \
      nohup "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Xmx512m -cp "$CP" org.apache.iceberg.rest.RESTCatalogServer \
      >"$DIR/server.log" 2>&1 </dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 300); do
      if curl -sf "http://127.0.0.1:$PORT/v1/config" >/dev/null 2>&1; then break; fi
      running || { tail -30 "$DIR/server.log" >&2; die "the server exited while starting (log $DIR/server.log)"; }
      sleep 0.1
    done
    curl -sf "http://127.0.0.1:$PORT/v1/config" >/dev/null || die "not ready after 30 s (log $DIR/server.log)"
    echo "rest-catalog.sh: running (pid $(cat "$PIDFILE")) at http://127.0.0.1:$PORT, state in PostgreSQL port $PG_PORT, tables under $WAREHOUSE; stop with: scripts/rest-catalog.sh stop --dir $DIR" >&2
    url ;;
esac
