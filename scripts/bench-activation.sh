#!/usr/bin/env bash
# Benchmark of activation against a plain Spark join + write measured in the same JVM, and of the DistCp
# delivery step against a plain FileSystem copy (the export's files, and 1,000 small files).
#   scripts/bench-activation.sh [--members N] [--repeat N] [--small-files N] [--work DIR] [--quick]
# Defaults: 1,000,000 members with 10 attributes and an e-mail. The data is generated once per size under
# bench-work/activation/ (git-ignored). Prints a Markdown table (docs/BENCHMARKS.md), then one JSON line per comparison.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -f src/test/test-support/target/servers/s3mock-exec.jar ]] || mvn -B -q -pl src/test/test-support generate-resources
exec scripts/lakecdp-submit bench-activation --master "${BENCH_MASTER:-local[*]}" \
  --driver-memory "${BENCH_DRIVER_MEMORY:-8g}" "$@"
