#!/usr/bin/env bash
# A single-node Trino 476 (coordinator and worker in one) whose Iceberg catalog is the PostgreSQL JDBC catalog the
# jobs use (conf/jdbc.yaml): Trino reads and writes the same tables and views as Spark.
#   scripts/trino.sh install [--dir DIR]       fetch and unpack the server once (start does it when needed)
#   scripts/trino.sh start --pg-port PORT --warehouse DIR [--dir DIR] [--home SERVER] [--port PORT] [--catalog lake]
#   scripts/trino.sh stop [--dir DIR]          stop the server by its process id
#   scripts/trino.sh status [--dir DIR]
#   scripts/trino.sh env [--dir DIR]           print `export LAKECDP_TRINO_URL=...` (eval it)
# DIR (configuration, data, log, pid) defaults to $LAKECDP_TRINO_DIR or <project>/work/trino; SERVER (the unpacked
# server) to DIR/trino-server-476; PORT to a free port. --pg-port defaults to
# $LAKECDP_PG_PORT, --warehouse to $LAKECDP_WAREHOUSE. The server is io.trino:trino-server:476 from Maven Central
# (fetched into the local Maven repository on first use, unpacked once into DIR with only its Iceberg plugin). It
# needs Java 24 or newer: $LAKECDP_JAVA25_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64. It is reached at 127.0.0.1,
# has a 2 GB heap and trusts every user name (no authentication: a laptop or test server).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/server-lib.sh
source "$ROOT/scripts/server-lib.sh"
VERSION=476
DIR="${LAKECDP_TRINO_DIR:-$ROOT/work/trino}"
PORT=""
HOME_DIR=""
PG_PORT="${LAKECDP_PG_PORT:-}"
WAREHOUSE="${LAKECDP_WAREHOUSE:-}"
CATALOG=lake
JAVA25="${LAKECDP_JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
server_args "install start stop status env" "$@"
set -- "${OTHER_ARGS[@]+"${OTHER_ARGS[@]}"}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --catalog) CATALOG="$2"; shift 2 ;;
    --home) HOME_DIR="$2"; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done
HOME_DIR="${HOME_DIR:-$DIR/trino-server-$VERSION}"

install_server() {
  [[ -x "$HOME_DIR/bin/launcher" ]] && return 0
  local tgz="$HOME/.m2/repository/io/trino/trino-server/$VERSION/trino-server-$VERSION.tar.gz"
  if [[ ! -f "$tgz" ]]; then
    echo "trino.sh: fetching io.trino:trino-server:$VERSION (about 820 MB) from Maven Central" >&2
    mvn -B -q dependency:get -Dartifact="io.trino:trino-server:$VERSION:tar.gz" -Dtransitive=false >&2
  fi
  rm -rf "$HOME_DIR.tmp" && mkdir -p "$HOME_DIR.tmp"
  tar xzf "$tgz" -C "$HOME_DIR.tmp" --strip-components=1
  # Only the Iceberg connector: fewer plugins, a faster start (the archive hard-links jars the plugins share, so it
  # is unpacked whole first).
  find "$HOME_DIR.tmp/plugin" -mindepth 1 -maxdepth 1 ! -name iceberg -exec rm -rf {} +
  mv "$HOME_DIR.tmp" "$HOME_DIR"
  echo "trino.sh: unpacked Trino $VERSION in $HOME_DIR" >&2
}
url() { echo "http://127.0.0.1:$(cat "$DIR/port")"; }

case "$CMD" in
  install)
    install_server ;;
  status|env|stop)
    server_command files LAKECDP_TRINO_URL url TERM 30 ;;
  start)
    [[ -n "$PG_PORT" ]] || die "--pg-port (or LAKECDP_PG_PORT) is required: Trino's catalog is the PostgreSQL JDBC catalog"
    [[ -n "$WAREHOUSE" ]] || die "--warehouse (or LAKECDP_WAREHOUSE) is required"
    [[ -x "$JAVA25/bin/java" ]] || die "Trino $VERSION needs Java 24 or newer: none at $JAVA25 (set LAKECDP_JAVA25_HOME)"
    if running; then echo "trino.sh: already running (pid $(cat "$PIDFILE"))" >&2; url; exit 0; fi
    install_server
    if [[ -z "$PORT" ]]; then
      PORT="$(free_port)"
    fi
    echo "$PORT" > "$DIR/port"
    ETC="$DIR/etc"
    mkdir -p "$ETC/catalog" "$DIR/data"
    printf 'node.environment=lakecdp\nnode.id=lakecdp-local\nnode.internal-address=127.0.0.1\nnode.data-dir=%s\n' "$DIR/data" > "$ETC/node.properties"
    printf '%s\n' -server -Xmx2G -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djdk.attach.allowAttachSelf=true \
      > "$ETC/jvm.config"
    cat > "$ETC/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$PORT
discovery.uri=http://127.0.0.1:$PORT
query.max-memory=1GB
query.max-memory-per-node=1GB
EOF
    cat > "$ETC/catalog/$CATALOG.properties" <<EOF
connector.name=iceberg
iceberg.catalog.type=jdbc
iceberg.jdbc-catalog.driver-class=org.postgresql.Driver
iceberg.jdbc-catalog.connection-url=jdbc:postgresql://127.0.0.1:$PG_PORT/lakecdp
iceberg.jdbc-catalog.connection-user=lakecdp
iceberg.jdbc-catalog.connection-password=
iceberg.jdbc-catalog.catalog-name=$CATALOG
iceberg.jdbc-catalog.default-warehouse-dir=$WAREHOUSE
fs.hadoop.enabled=true
EOF
    # The launcher execs the JVM: the process id it leaves is the server's.
    JAVA_HOME="$JAVA25" PATH="$JAVA25/bin:$PATH" nohup "$HOME_DIR/bin/launcher" run --etc-dir "$ETC" \
      --data-dir "$DIR/data" >"$DIR/server.log" 2>&1 </dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 900); do
      if curl -sf "http://127.0.0.1:$PORT/v1/info" 2>/dev/null | grep -q '"starting":false'; then break; fi
      running || { tail -30 "$DIR/server.log" >&2; die "the server exited while starting (log $DIR/server.log)"; }
      sleep 0.2
    done
    curl -sf "http://127.0.0.1:$PORT/v1/info" | grep -q '"starting":false' || die "not ready after 180 s (log $DIR/server.log)"
    echo "trino.sh: running (pid $(cat "$PIDFILE")) at http://127.0.0.1:$PORT, catalog $CATALOG on PostgreSQL port $PG_PORT; stop with: scripts/trino.sh stop --dir $DIR" >&2
    url ;;
esac
