# Shared by the scripts that run a local server (postgres.sh, trino.sh, rest-catalog.sh); sourced, not run.

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stop_server NAME PIDFILE SIGNAL SECONDS: sends SIGNAL to the process in PIDFILE, waits up to SECONDS for it to end,
# then kills it; removes PIDFILE. Says so on stderr; nothing to do when it does not run.
stop_server() {
  local name="$1" pidfile="$2" signal="$3" seconds="$4" pid
  if [[ ! -f "$pidfile" ]] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$name: not running ($(dirname "$pidfile"))" >&2
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill "-$signal" "$pid"
  for _ in $(seq 1 $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  rm -f "$pidfile"
  echo "$name: stopped (pid $pid)" >&2
}

# The help of the running script: the comment block at its top.
usage() { sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }

# die MESSAGE: says what is wrong, after the script's name, and exits 2.
die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# server_args "COMMAND ..." ARG...: reads the command (one of the first argument's words) into CMD and the options
# every server script takes (--dir, --port, --pg-port, --warehouse) into DIR, PORT, PG_PORT and WAREHOUSE; the
# script's own options stay in OTHER_ARGS, in order. Prints the help for -h, --help or no command.
server_args() {
  local commands="$1"
  shift
  CMD="${1:-}"
  [[ $# -gt 0 ]] && shift
  OTHER_ARGS=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) DIR="$2"; shift 2 ;;
      --port) PORT="$2"; shift 2 ;;
      --pg-port) PG_PORT="$2"; shift 2 ;;
      --warehouse) WAREHOUSE="$2"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      *) OTHER_ARGS+=("$1"); shift ;;
    esac
  done
  if [[ -z "$CMD" || "$CMD" == -h || "$CMD" == --help ]]; then
    usage
    exit 0
  fi
  [[ " $commands " == *" $CMD "* ]] || die "unknown command $CMD (${commands// /, })"
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  PIDFILE="$DIR/server.pid"
}

# Whether the server whose process id is in $PIDFILE runs.
running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# server_status WHAT: says whether the server runs, at which address (the script's url) and where its WHAT (files,
# data, log) is; exits 1 when it does not run.
server_status() {
  if running; then
    echo "running (pid $(cat "$PIDFILE")) at $(url), $1 in $DIR"
  else
    echo "not running ($DIR)"
    exit 1
  fi
}

# server_env VARIABLE FUNCTION: prints `export VARIABLE=<what FUNCTION prints>` for the server started in $DIR (eval
# it).
server_env() {
  [[ -f "$DIR/port" ]] || die "no server was started in $DIR"
  echo "export $1=$($2)"
}

# The port of the server started in $DIR.
port() { cat "$DIR/port"; }

# server_command WHAT VARIABLE FUNCTION SIGNAL SECONDS: the commands every server script has, for $CMD status (where
# its WHAT is), env (export VARIABLE=<what FUNCTION prints>) and stop (SIGNAL, then SIGKILL after SECONDS).
server_command() {
  case "$CMD" in
    status) server_status "$1" ;;
    env) server_env "$2" "$3" ;;
    stop) stop_server "$(basename "$0")" "$PIDFILE" "$4" "$5" ;;
  esac
}
