#!/usr/bin/env bash
# Benchmark of identity resolution (the tenant run) against an exact-match baseline in the same JVM.
#   scripts/bench-identity.sh [--people N] [--seed S] [--change-percent P] [--quick]
#     (default: 550000 people, about 1,000,000 source profiles; --quick: 20000 people, a few minutes)
# Generates the demo tenant's profile sources once per (people, seed) under bench-work/identity/<people>/,
# ingests them with dlo-write (not timed), then runs bench-identity, which times the whole identity-resolution
# run and prints the figures: a Markdown row and the JSON summary (docs/BENCHMARKS.md has both).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PEOPLE=550000
SEED=42
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --people) PEOPLE="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --change-percent) EXTRA+=(--change-percent "$2"); shift 2 ;;
    --quick) PEOPLE=20000; shift ;;
    -h|--help) sed -n 2,7p "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
WORK="$ROOT/bench-work/identity/$PEOPLE-$SEED"
export LAKECDP_LANDING="$WORK/landing"
export LAKECDP_WAREHOUSE="$WORK/warehouse"
MASTER="${BENCH_MASTER:-local[*]}"
MEM="${BENCH_DRIVER_MEMORY:-12g}"
if [[ ! -f "$WORK/.ingested" ]]; then
  rm -rf "$WORK"
  scripts/lakecdp-submit demo-data --people "$PEOPLE" --seed "$SEED" --profiles-only --malformed-rate 0 \
    --out "$LAKECDP_LANDING/demo"
  scripts/lakecdp-submit dlo-write --tenant demo --stream crm_contacts,web_signups,pos_customers \
    --master "$MASTER" --driver-memory "$MEM"
  touch "$WORK/.ingested"
fi
exec scripts/lakecdp-submit bench-identity --tenant demo --truth "$LAKECDP_LANDING/demo/_truth" \
  --master "$MASTER" --driver-memory "$MEM" "${EXTRA[@]}"
