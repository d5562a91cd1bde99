#!/usr/bin/env bash
# Benchmark: load Online_Sales.csv (52,924 lines) with orch's csv_extract and
# with `psql \copy` into the same PostgreSQL, ROUNDS times each, and print
# the median times and the ratio (target: orch ≤ 1.3 × psql).
#
# Both do the same work: parse the CSV, type the columns (dates M/D/YYYY →
# date), load into a new table and swap it in, in one transaction. "load"
# is the time of that work (orch: the task attempt as recorded; psql: the
# \timing of its statements); "process" is each whole command, start to exit.
#
#   bash bench/csv_load.sh          (release build; ROUNDS=7 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"
rounds=${ROUNDS:-7}
bash .ci/setup
swift build -c release --product orch >/dev/null 2>&1
orch=$PWD/.build/release/orch

work=$(mktemp -d /tmp/orch-bench-XXXXXX)
chmod 755 "$work"
export ORCH_HOME="$work/home" ORCH_DATABASE_URL=""
trap '"$orch" db stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$orch" sample-data "$work/data" >/dev/null
file="$work/data/Online_Sales.csv"
url=$("$orch" db url)

cat >"$work/load.yml" <<YAML
name: bench
tasks:
  - id: load
    kind: csv_extract
    file: $file
    table: bench.orch_sales
    columns:
      customer_id: int
      transaction_id: int
      transaction_date: { type: date, format: M/D/YYYY }
      quantity: int
      avg_price: numeric
      delivery_charges: numeric
YAML

cat >"$work/psql.sql" <<SQL
\\timing on
SET client_min_messages = warning;
SET datestyle = 'ISO, MDY';
BEGIN;
DROP TABLE IF EXISTS bench.psql_sales_new;
CREATE TABLE bench.psql_sales_new (customer_id bigint, transaction_id bigint, transaction_date date, product_sku text,
  product_description text, product_category text, quantity bigint, avg_price numeric, delivery_charges numeric,
  coupon_status text);
\\copy bench.psql_sales_new FROM '$file' WITH (FORMAT csv, HEADER true)
DROP TABLE IF EXISTS bench.psql_sales;
ALTER TABLE bench.psql_sales_new RENAME TO psql_sales;
COMMIT;
SQL
psql "$url" -q -c "CREATE SCHEMA IF NOT EXISTS bench" >/dev/null

now() { python3 -c 'import time; print(time.perf_counter())'; }
orch_load=() orch_proc=() psql_load=() psql_proc=()
for i in $(seq "$rounds"); do
  t0=$(now); "$orch" run "$work/load.yml" >/dev/null; t1=$(now)
  id=$("$orch" status --pipeline bench --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  ms=$("$orch" status "$id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["attempts"][-1]["durationMs"])')
  orch_load+=("$ms"); orch_proc+=("$(python3 -c "print(round(($t1-$t0)*1000))")")

  t0=$(now); out=$(psql "$url" -q -f "$work/psql.sql"); t1=$(now)
  psql_load+=("$(echo "$out" | python3 -c 'import sys,re; print(round(sum(float(m) for m in re.findall(r"Time: ([0-9.]+) ms", sys.stdin.read()))))')")
  psql_proc+=("$(python3 -c "print(round(($t1-$t0)*1000))")")
done

rows=$(psql "$url" -At -c "SELECT (SELECT count(*) FROM bench.orch_sales) || ' / ' || (SELECT count(*) FROM bench.psql_sales)")
python3 - "$rows" "${orch_load[*]}" "${psql_load[*]}" "${orch_proc[*]}" "${psql_proc[*]}" <<'PY'
import statistics, sys
rows, *series = sys.argv[1:]
ol, pl, op, pp = ([int(x) for x in s.split()] for s in series)
med = statistics.median
print(f"Online_Sales.csv, rows loaded (orch / psql): {rows}; {len(ol)} rounds, medians")
print(f"  load     orch {med(ol):6.0f} ms   psql \\copy {med(pl):6.0f} ms   ratio {med(ol)/med(pl):.2f}x  (target <= 1.3x)")
print(f"  process  orch {med(op):6.0f} ms   psql \\copy {med(pp):6.0f} ms   ratio {med(op)/med(pp):.2f}x")
print(f"  all load rounds: orch {ol}  psql {pl}")
PY
