#!/usr/bin/env bash
# A local PostgreSQL 15 that keeps the Iceberg JDBC catalog (conf/jdbc.yaml): for a laptop, the tests and benchmarks.
#   scripts/postgres.sh start [--dir DIR] [--port PORT]   initialise DIR once, start the server, create database lakecdp
#   scripts/postgres.sh stop [--dir DIR]                  stop the server by its process id (fast shutdown)
#   scripts/postgres.sh status [--dir DIR]                say whether it runs, and where
#   scripts/postgres.sh env [--dir DIR]                   print `export LAKECDP_PG_PORT=...` (eval it)
# DIR defaults to $LAKECDP_PG_DIR or <project>/work/postgres; PORT to the one DIR used before, else a free port.
# The server listens on 127.0.0.1 only, trusts local connections (user lakecdp, no password) and keeps its data,
# log (postgres.log), port and process id in DIR. It uses Debian's server binaries ($LAKECDP_PG_BIN or
# /usr/lib/postgresql/15/bin; scripts/test-tools.sh installs them when missing). Run as root, the server runs as the
# postgres user, which must be able to reach DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/server-lib.sh
source "$ROOT/scripts/server-lib.sh"
BIN="${LAKECDP_PG_BIN:-/usr/lib/postgresql/15/bin}"
DIR="${LAKECDP_PG_DIR:-$ROOT/work/postgres}"
PORT=""
server_args "start stop status env" "$@"
[[ ${#OTHER_ARGS[@]} -eq 0 ]] || die "unknown option ${OTHER_ARGS[0]}"

AS=()
if [[ $(id -u) -eq 0 ]]; then
  AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

url() { echo "jdbc:postgresql://127.0.0.1:$(cat "$DIR/port")/lakecdp"; }

case "$CMD" in
  status|env|stop)
    server_command data LAKECDP_PG_PORT port INT 10 ;;
  start)
    [[ -x "$BIN/postgres" ]] || die "no PostgreSQL server binaries in $BIN (run scripts/test-tools.sh, or set LAKECDP_PG_BIN)"
    if running; then echo "postgres.sh: already running (pid $(cat "$PIDFILE"))" >&2; url; exit 0; fi
    if [[ -z "$PORT" && -f "$DIR/port" ]]; then PORT="$(cat "$DIR/port")"; fi
    if [[ -z "$PORT" ]]; then
      PORT="$(free_port)"
    fi
    echo "$PORT" > "$DIR/port"
    if [[ ${#AS[@]} -gt 0 ]]; then
      chown -R postgres "$DIR"
      setpriv --reuid=postgres --regid=postgres --init-groups -- test -w "$DIR" \
        || die "the postgres user cannot write $DIR (give it a folder it can reach, e.g. under /tmp)"
    fi
    if [[ ! -f "$DIR/data/PG_VERSION" ]]; then
      "${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U lakecdp -A trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    # In the background, detached from this shell; the process id is the server's own (setpriv execs it).
    nohup "${AS[@]}" "$BIN/postgres" -D "$DIR/data" -c listen_addresses=127.0.0.1 -p "$PORT" -k "$DIR" \
      -c max_connections=200 >>"$DIR/postgres.log" 2>&1 </dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 150); do
      if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then break; fi
      running || { tail -20 "$DIR/postgres.log" >&2; die "the server exited while starting (log $DIR/postgres.log)"; }
      sleep 0.1
    done
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || die "not ready after 15 s (log $DIR/postgres.log)"
    if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U lakecdp -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'lakecdp'" | grep -q 1; then
      "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U lakecdp lakecdp
    fi
    echo "postgres.sh: running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT, data in $DIR; stop with: scripts/postgres.sh stop --dir $DIR" >&2
    url ;;
esac
