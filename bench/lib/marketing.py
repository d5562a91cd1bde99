"""The shipped marketing pipeline (pipelines/marketing.yml) on the generated
data: the whole run warm (wall, peak RSS, per stage, the train_segments
task), and its models and data tests against a psql floor: the same compiled
SQL, wrapped in the DDL orch runs for each materialization, in one psql
session."""
import json
import os
import re
from datetime import datetime

import ingest
from harness import REPO, median

PIPELINE = os.path.join(REPO, "pipelines", "marketing.yml")
# Stages of the run, by the kind `orch ls --json` gives each node.
STAGES = {"csv_extract": "extract/load", "model": "models", "test": "tests",
          "train_segments": "segments", "semantic_catalog": "catalog"}


def when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def nodes(bench, *select):
    argv = [bench.orch, "ls", PIPELINE, "--json"] + (["--select", ",".join(select)] if select else [])
    return json.loads(bench.output(argv))["nodes"]


def prepare(bench):
    """The data, and one cold run: loads every table, builds every model, trains the segments."""
    data = ingest.sample_data(bench)
    m = bench.measure([bench.orch, "run", PIPELINE, "--param", f"data_dir={data}"])
    bench.record("marketing: whole pipeline, cold (first run, wall)", m.wall * 1000, "ms", None, None,
                 "creates every table and view")
    return data


def pipeline_figures(bench, data, rounds):
    bench.section("marketing pipeline, warm (second and later runs; default concurrency)")
    kinds = {n["id"]: n["kind"] for n in nodes(bench)}
    argv = [bench.orch, "run", PIPELINE, "--param", f"data_dir={data}"]
    walls, rss, segments, stage_spans = [], [], [], {}
    for _ in range(rounds):
        m = bench.measure(argv)
        walls.append(m.wall * 1000)
        rss.append(m.rss)
        detail = ingest.last_run(bench, "marketing")
        by_stage = {}
        for task in detail["tasks"]:
            stage = STAGES.get(kinds.get(task["task_id"]), kinds.get(task["task_id"], "other"))
            by_stage.setdefault(stage, []).append(task)
            if task["task_id"] == "segments":
                segments.append(task["duration_ms"])
        for stage, tasks in by_stage.items():
            span = (max(when(t["finished_at"]) for t in tasks) - min(when(t["started_at"]) for t in tasks)).total_seconds()
            stage_spans.setdefault(stage, []).append((span * 1000, sum(t["duration_ms"] or 0 for t in tasks), len(tasks)))
    wall = median(walls)
    bench.record("marketing: whole pipeline, warm (wall)", wall, "ms", "< 1500 ms", wall < 1500,
                 f"{len(kinds)} nodes; rounds {[round(w) for w in walls]}")
    bench.record("marketing: whole pipeline, warm: peak RSS", max(rss), "MiB", None, None, "informational (the engine's bound is 100 MiB)")
    for stage in ("extract/load", "models", "tests", "segments", "catalog"):
        spans = stage_spans.get(stage)
        if not spans:
            continue
        span, work, count = (median([s[i] for s in spans]) for i in range(3))
        bench.record(f"marketing stage {stage}: first start to last finish", span, "ms", None, None,
                     f"{count:.0f} tasks, their durations add up to {work:.0f} ms (stages overlap)")
    bench.record("marketing: train_segments task (k-means, k=5, 10 restarts)", median(segments), "ms", None, None,
                 "the segments task's duration_ms")


def floor_script(bench, selected):
    """The psql floor of `--select models --full-refresh`: each model's compiled
    SELECT in the DDL orch runs for it (view: CREATE OR REPLACE VIEW; table and
    incremental first build: a new table swapped in, in one transaction, the
    incremental model's unique index after it), each test's failing-rows query
    counted, in the order orch runs them. Returns (script path, models, tests)."""
    out = bench.output([bench.orch, "compile", PIPELINE, "--select", "models"])
    compiled = {os.path.basename(p)[:-4]: p for p in out.split() if p.endswith(".sql")}
    models = [n["id"] for n in selected if n["kind"] == "model"]
    found = {}
    for line in bench.sql(f"""
        SELECT c.relname, n.nspname, c.relkind,
               coalesce((SELECT indexdef FROM pg_indexes i WHERE i.schemaname = n.nspname AND i.indexname = c.relname || '_orch_key'), ''),
               EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                       WHERE d.refobjid = c.oid AND r.ev_class <> c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname IN ({', '.join(f"'{m}'" for m in models)}) AND c.relkind IN ('r', 'v')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')""").splitlines():
        name, schema, kind, index, dependents = line.split("|")
        found[name] = (schema, kind, index, dependents == "t")
    lines = ["\\timing on", "SET client_min_messages = warning;"]
    tests = 0
    for node in selected:
        with open(compiled[node["id"]]) as f:
            sql = f.read().rstrip().rstrip(";")
        if node["kind"] == "test":
            tests += 1
            lines.append(f"SELECT count(*) FROM (\n{sql}\n) AS failing\n;")
            continue
        schema, kind, index, dependents = found[node["id"]]
        rel, new = f'"{schema}"."{node["id"]}"', f'"{schema}"."{node["id"]}__orch_new"'
        if kind == "v":
            lines.append(f"CREATE OR REPLACE VIEW {rel} AS\n{sql}\n;")
            continue
        swap = (f"TRUNCATE {rel}; INSERT INTO {rel} SELECT * FROM {new}; DROP TABLE {new};" if dependents
                else f'DROP TABLE {rel}; ALTER TABLE {new} RENAME TO "{node["id"]}";')
        lines += ["BEGIN;", f"DROP TABLE IF EXISTS {new};", f"CREATE TABLE {new} AS\n{sql}\n;", swap]
        if index and not dependents:
            lines.append(index + ";")
        lines.append("COMMIT;")
    return bench.write("models-floor.sql", "\n".join(lines) + "\n"), len(models), tests


def models_figures(bench, data, rounds):
    bench.section("marketing models + data tests: orch vs the same SQL in one psql session")
    selected = nodes(bench, "models")
    script, models, tests = floor_script(bench, selected)
    orch_argv = [bench.orch, "run", PIPELINE, "--param", f"data_dir={data}", "--select", "models", "--full-refresh"]
    psql_argv = ["psql", bench.url(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script]
    if not bench.quick:
        bench.measure(psql_argv)  # warm-up (quick: the timed run is the proof that the floor runs)
    orch_proc, orch_work, psql_proc, psql_work = [], [], [], []
    for _ in range(rounds):
        m = bench.measure(orch_argv)
        orch_proc.append(m.wall * 1000)
        orch_work.append(ingest.last_run(bench, "marketing")["run"]["duration_ms"])
        m = bench.measure(psql_argv, capture=True)
        psql_proc.append(m.wall * 1000)
        psql_work.append(sum(float(x) for x in re.findall(r"Time: ([0-9.]+) ms", m.stdout)))
    covers = (f"{models} models, {tests} tests: views CREATE OR REPLACE, tables built as __orch_new and swapped in one "
              "transaction (+ the incremental model's unique index), each test's failing rows counted; not orch's "
              "catalog lookups, schema checks, savepoints or row counts")
    bench.record("models+tests: orch run --select models --full-refresh", median(orch_proc), "ms", None, None,
                 f"whole process; rounds {[round(x) for x in orch_proc]}")
    bench.record("models+tests: psql floor, one session (psql -f)", median(psql_proc), "ms", None, None, "baseline: " + covers)
    ratio = median(orch_proc) / median(psql_proc)
    bench.record("models+tests: orch / psql floor (whole process)", ratio, "x", "<= 1.3x", ratio <= 1.3)
    bench.record("models+tests: orch run duration_ms / psql \\timing sum", median(orch_work) / median(psql_work), "x",
                 None, None, f"orch {median(orch_work):.0f} ms at work (concurrency {os.cpu_count()}), "
                             f"psql {median(psql_work):.0f} ms in statements (serial)")
    return median(orch_proc)
