#!/usr/bin/env bash
# Benchmark: load Online_Sales.csv (52,924 lines) with orch's csv_extract and
# with `psql \copy` into the same PostgreSQL, as the same typed table in the
# same transaction shape (load a new table, swap it in), and print the median
# times and the ratio (target: orch's load ≤ 1.0 × psql's).
#
# The suite's `ingest` group does the measuring (bench/lib/ingest.py); this
# runs only that group (release build, 7 rounds) and writes its figures to
# /tmp/orch-bench-ingest.json, leaving bench/results.json as it is.
#
#   bash bench/csv_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash bench/run --only ingest --out "${TMPDIR:-/tmp}/orch-bench-ingest.json" "$@"
