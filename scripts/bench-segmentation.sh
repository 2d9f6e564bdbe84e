#!/usr/bin/env bash
# Benchmark of segment publishing against hand-written Spark SQL measured in the same JVM.
#   scripts/bench-segmentation.sh [--members N] [--orders N] [--events N] [--segments N] [--work DIR] [--quick]
# Defaults: 1,000,000 unified individuals, 10,000,000 orders, 10,000,000 e-mail events, 20 segments. The data is
# generated once per size under bench-work/segmentation/ (git-ignored). Prints a Markdown table (docs/BENCHMARKS.md), then one JSON line per comparison.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
exec scripts/lakecdp-submit bench-segmentation --master "${BENCH_MASTER:-local[*]}" \
  --driver-memory "${BENCH_DRIVER_MEMORY:-12g}" "$@"
