#!/usr/bin/env bash
# Benchmark of batch ingest (dlo-write) against plain Spark baselines measured in the same run.
#   scripts/bench-dlo-write.sh [--rows N] [--table-rows N] [--change-fraction F] [--files N] [--work DIR] [--quick]
# Defaults: 1,000,000 rows ingested; 1% of a 5,000,000-row DLO upserted. Prints a Markdown table
# (the one in docs/BENCHMARKS.md) and keeps its data in bench-work/dlo-write/ (git-ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec scripts/lakecdp-submit bench-dlo-write --master "${BENCH_MASTER:-local[*]}" \
  --driver-memory "${BENCH_DRIVER_MEMORY:-8g}" "$@"
