#!/usr/bin/env bash
# Benchmark of streaming ingest, measured in one JVM: an AvailableNow run over 1,000,000 JSON records in a landing
# folder vs a plain Spark batch read + append of the same files; an on-demand run that finds nothing new; and against
# a real Kafka broker (started here, KRaft, one node): backlog records/s with a processing-time trigger and
# produce-to-visible latency p50/p95 at a steady rate.
#   scripts/bench-ingest-stream.sh [--records N] [--files N] [--kafka-backlog N] [--rate N] [--seconds N] [--work DIR] [--quick]
# Prints a Markdown table (docs/BENCHMARKS.md), then one JSON line per comparison. Work files go to bench-work/ingest-stream/ (git-ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -f src/test/kafka-broker/target/broker-classpath.txt ]] || mvn -B -q -pl src/test/kafka-broker generate-resources
exec scripts/lakecdp-submit bench-ingest-stream --master "${BENCH_MASTER:-local[*]}" \
  --driver-memory "${BENCH_DRIVER_MEMORY:-8g}" "$@"
