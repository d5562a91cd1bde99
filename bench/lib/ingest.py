"""Ingest: Online_Sales.csv (from `orch sample-data`) loaded by a
`csv_extract` task and by `psql \\copy` into the same server, as the same
typed table, in the same transaction shape: parse the CSV, type the columns
(dates M/D/YYYY → date), load a new table and swap it in, in one transaction.

"load" is the time of that work (orch: the task attempt's `duration_ms` as
`orch status RUN --json` reports it; psql: the sum of its `\\timing` lines);
"process" is each whole command, start to exit.
"""
import json
import os
import re

from harness import median

TABLE_COLUMNS = """customer_id bigint, transaction_id bigint, transaction_date date, product_sku text,
  product_description text, product_category text, quantity bigint, avg_price numeric, delivery_charges numeric,
  coupon_status text"""


def sample_data(bench):
    """The marketing CSV files, generated once per suite run."""
    data = os.path.join(bench.work, "data")
    if not os.path.exists(os.path.join(data, "Online_Sales.csv")):
        bench.output([bench.orch, "sample-data", data])
    return data


def last_run(bench, pipeline):
    """`orch status RUN --json` of the pipeline's newest run."""
    runs = json.loads(bench.output([bench.orch, "status", "--pipeline", pipeline, "--limit", "1", "--json"]))["runs"]
    return json.loads(bench.output([bench.orch, "status", runs[0]["run_id"], "--json"]))


def figures(bench, rounds):
    bench.section("ingest: Online_Sales.csv, orch csv_extract vs psql \\copy (same server, same typed table)")
    data = sample_data(bench)
    csv = os.path.join(data, "Online_Sales.csv")
    pipeline = bench.write("bench_ingest.yml", f"""name: bench_ingest
tasks:
  - id: load
    kind: csv_extract
    file: {csv}
    table: bench.orch_sales
    columns:
      customer_id: int
      transaction_id: int
      transaction_date: {{ type: date, format: M/D/YYYY }}
      quantity: int
      avg_price: numeric
      delivery_charges: numeric
""")
    script = bench.write("ingest-psql.sql", f"""\\timing on
SET client_min_messages = warning;
SET datestyle = 'ISO, MDY';
BEGIN;
DROP TABLE IF EXISTS bench.psql_sales_new;
CREATE TABLE bench.psql_sales_new ({TABLE_COLUMNS});
\\copy bench.psql_sales_new FROM '{csv}' WITH (FORMAT csv, HEADER true)
DROP TABLE IF EXISTS bench.psql_sales;
ALTER TABLE bench.psql_sales_new RENAME TO psql_sales;
COMMIT;
""")
    bench.sql("CREATE SCHEMA IF NOT EXISTS bench")
    psql_argv = ["psql", bench.url(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script]
    orch_argv = [bench.orch, "run", pipeline]
    if not bench.quick:  # warm-up of both: page cache, the first run's folders
        bench.measure(orch_argv)
        bench.measure(psql_argv)
    orch_load, orch_proc, psql_load, psql_proc = [], [], [], []
    for _ in range(rounds):
        m = bench.measure(orch_argv)
        orch_proc.append(m.wall * 1000)
        task = last_run(bench, "bench_ingest")["tasks"][0]
        orch_load.append(task["attempts"][-1]["duration_ms"])
        m = bench.measure(psql_argv, capture=True)
        psql_proc.append(m.wall * 1000)
        psql_load.append(sum(float(x) for x in re.findall(r"Time: ([0-9.]+) ms", m.stdout)))

    rows = bench.sql("SELECT (SELECT count(*) FROM bench.orch_sales) || ' ' || (SELECT count(*) FROM bench.psql_sales)").split()
    def columns(table):
        return bench.sql(f"SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
                         f"FROM information_schema.columns WHERE table_schema = 'bench' AND table_name = '{table}'")
    same_types = columns("orch_sales") == columns("psql_sales")
    bench.record("ingest: orch load (attempt duration_ms)", median(orch_load), "ms", None, None, f"rounds {orch_load}")
    bench.record("ingest: psql \\copy load (\\timing)", median(psql_load), "ms", None, None,
                 f"baseline; rounds {[round(x) for x in psql_load]}")
    ratio = median(orch_load) / median(psql_load)
    bench.record("ingest: orch load / psql \\copy load", ratio, "x", "<= 1.0x", ratio <= 1.0)
    bench.record("ingest: whole process, orch run / psql -f", median(orch_proc) / median(psql_proc), "x", None, None,
                 f"orch {median(orch_proc):.0f} ms, psql {median(psql_proc):.0f} ms")
    same = rows[0] == rows[1] and same_types
    bench.record(f"ingest: same rows and column types (orch / psql {rows[0]} / {rows[1]})", same, "", "true", same)
