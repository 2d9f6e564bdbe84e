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
