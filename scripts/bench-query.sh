#!/usr/bin/env bash
# Interactive questions through both engines, same data, same run: a point lookup (one unified profile by e-mail)
# and a segment-population count, through `query --engine spark` and `query --engine trino`, on the PostgreSQL JDBC
# catalog; and the same two statements sent to Trino's HTTP API directly (no lakecdp JVM), as a Trino user would.
#   scripts/bench-query.sh [--people N] [--quick] [--repeat R] [--work DIR]
# Defaults: 100,000 demo people (--quick: 5,000), 3 repeats (the median counts). The data, the PostgreSQL catalog
# and the pipeline's tables are kept per size under bench-work/query/ (git-ignored) and reused; PostgreSQL and Trino
# run for the benchmark only. Ends with one JSON line per comparison: lakecdp_s is `query --engine spark` (the whole
# command: JVM, Spark session, query), baseline_s is `query --engine trino` (the same command, the query in Trino);
# each line also has the statement's own time inside the command (spark_query_s, trino_query_s) and Trino's HTTP
# API's (trino_http_s).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PEOPLE=100000 REPEAT=3 WORK=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) PEOPLE="$2"; shift 2 ;;
    --quick) PEOPLE=5000; shift ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-query.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
WORK="${WORK:-$ROOT/bench-work/query/$PEOPLE}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
# PostgreSQL runs as its own user when this runs as root: its folder must be reachable by that user.
PG_DIR="${TMPDIR:-/tmp}/lakecdp-bench-query-pg-$PEOPLE"
export LAKECDP_WAREHOUSE="$WORK/warehouse" LAKECDP_LANDING="$WORK/landing"
TENANT=demo

stop_servers() {
  scripts/trino.sh stop --dir "$WORK/trino" >/dev/null 2>&1 || true
  scripts/postgres.sh stop --dir "$PG_DIR" >/dev/null 2>&1 || true
}
trap stop_servers EXIT
scripts/postgres.sh start --dir "$PG_DIR" >/dev/null
eval "$(scripts/postgres.sh env --dir "$PG_DIR")"
scripts/trino.sh install --dir "$ROOT/work/trino"
scripts/trino.sh start --dir "$WORK/trino" --home "$ROOT/work/trino/trino-server-476" --pg-port "$LAKECDP_PG_PORT" \
  --warehouse "$LAKECDP_WAREHOUSE" >/dev/null
TRINO_URL="$(scripts/trino.sh env --dir "$WORK/trino" | sed 's/^export LAKECDP_TRINO_URL=//')"

CONF="$WORK/conf"
if [[ ! -f "$WORK/.pipeline-done" ]]; then
  rm -rf "$CONF" && mkdir -p "$CONF/tenants"
  cp conf/jdbc.yaml conf/log4j2.properties "$CONF/"
  cp -r conf/tenants/demo "$CONF/tenants/$TENANT"
  rm -rf "$CONF/tenants/$TENANT/activations"   # the question is what the engines read, not deliveries
  echo "bench-query.sh: generating $PEOPLE people and running the pipeline on the JDBC catalog" >&2
  scripts/lakecdp-submit demo-data --people "$PEOPLE" --seed 17 --out "$LAKECDP_LANDING/$TENANT" >/dev/null
  scripts/lakecdp-submit pipeline --tenant "$TENANT" --conf "$CONF" --env jdbc --as-of 2025-12-01 >/dev/null \
    2>"$WORK/pipeline.log" || { tail -30 "$WORK/pipeline.log" >&2; exit 1; }
  touch "$WORK/.pipeline-done"
fi

query() {  # engine sql -> csv on stdout; the run summary's line on fd 3
  scripts/lakecdp-submit query --tenant "$TENANT" --conf "$CONF" --env jdbc --engine "$1" --trino-url "$TRINO_URL" \
    --format csv --limit 0 "$2" 2>"$WORK/query.err"
}
EMAIL="$(query spark "SELECT email_address FROM UnifiedContactPointEmail ORDER BY unified_id LIMIT 1" | sed -n 2p)"
[[ -n "$EMAIL" ]] || { echo "bench-query.sh: no unified e-mail to look up" >&2; exit 1; }
LOOKUP="SELECT u.unified_id, u.first_name, u.last_name FROM UnifiedIndividual u JOIN UnifiedContactPointEmail e ON e.unified_id = u.unified_id WHERE e.email_address = '$EMAIL'"
COUNT="SELECT count(*) AS members FROM membership_latest WHERE segment_id = 'high_value'"

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for name in lookup count; do
  sql="$LOOKUP"; [[ $name == count ]] && sql="$COUNT"
  declare -A wall=() inner=()
  rows=""
  for engine in spark trino; do
    walls=(); inners=(); result=""
    for _ in $(seq 1 "$REPEAT"); do
      t0=$(date +%s.%N)
      out="$(query "$engine" "$sql")"
      t1=$(date +%s.%N)
      if [[ -n "$result" && "$out" != "$result" ]]; then
        echo "bench-query.sh: $engine answered differently between repeats" >&2; exit 1
      fi
      result="$out"
      walls+=("$(echo "$t1 - $t0" | bc -l)")
      inners+=("$(grep -o '"query_ms":[0-9]*' "$WORK/query.err" | tail -1 | cut -d: -f2)")
    done
    wall[$engine]="$(printf '%s\n' "${walls[@]}" | median)"
    inner[$engine]="$(printf '%s\n' "${inners[@]}" | median)"
    if [[ -n "$rows" && "$result" != "$rows" ]]; then
      echo "bench-query.sh: the engines disagree on $name:" >&2; echo "spark: $rows" >&2; echo "trino: $result" >&2; exit 1
    fi
    rows="$result"
  done
  http="$(python3 - "$TRINO_URL" "${TENANT}_dmo" "$sql" "$REPEAT" <<'EOF'
import json, statistics, sys, time, urllib.request
url, schema, sql, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run():
    req = urllib.request.Request(url + "/v1/statement", data=sql.encode(),
                                 headers={"X-Trino-User": "lakecdp", "X-Trino-Catalog": "lake", "X-Trino-Schema": schema})
    r = json.load(urllib.request.urlopen(req))
    while True:
        if "error" in r:
            raise SystemExit(r["error"]["message"])
        if "nextUri" not in r:
            return
        r = json.load(urllib.request.urlopen(r["nextUri"]))
times = []
for _ in range(repeat):
    t = time.time(); run(); times.append(time.time() - t)
print(round(statistics.median(times), 3))
EOF
)"
  n=$(( $(wc -l <<<"$rows") - 1 ))
  python3 - "$name" "${wall[spark]}" "${wall[trino]}" "${inner[spark]}" "${inner[trino]}" "$http" "$n" "$PEOPLE" <<'EOF'
import json, sys
name, ws, wt, qs, qt, http, rows, people = sys.argv[1:]
print(json.dumps({"bench": "query-" + name, "lakecdp_s": round(float(ws), 2), "baseline_s": round(float(wt), 2),
                  "ratio": round(float(ws) / float(wt), 2), "rows": int(rows), "people": int(people),
                  "spark_query_s": round(int(qs) / 1000, 3), "trino_query_s": round(int(qt) / 1000, 3),
                  "trino_http_s": float(http)}))
EOF
done
