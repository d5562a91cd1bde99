"""The store at scale: orch.runs seeded with 100,000 runs (quick: 2,000)
and orch.task_runs with ten task runs each (1,000,000; quick: 20,000), their
attempts beside them, by generate_series in one transaction; then `orch
status`, `orch status --state failed --since 2d`, `orch report RUN` and `orch
status RUN` timed as whole processes. Run last, so that the seeded rows slow
no other figure.

The seeded runs are of a ten-task chain pipeline written for them (so that
`orch report` finds its graph), spread evenly over the last 100 days, older
than every run the suite made; of every 100 consecutive ones 90 succeeded,
7 failed (t5 failed after 2 attempts, t6–t9 upstream_failed), 2 cancelled
and 1 crashed, in the states the crash sweep and the executor write
(TaskState, AttemptStatus)."""
from harness import median

SEED_SQL = r"""
SET client_min_messages = warning;
BEGIN;
CREATE TEMP TABLE seed_runs ON COMMIT DROP AS
SELECT i,
       to_char(t AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z-"') || lpad(to_hex(i), 6, '0') AS id,
       t,
       -- i × 7919 mod 100 runs through 0–99 in every 100 consecutive runs: the shares hold in any window
       CASE WHEN i * 7919 % 100 < 90 THEN 'succeeded' WHEN i * 7919 % 100 < 97 THEN 'failed'
            WHEN i * 7919 % 100 < 99 THEN 'cancelled' ELSE 'crashed' END AS status
FROM (SELECT i, now() - interval '10 minutes' - (i * :spacing) * interval '1 second' AS t
      FROM generate_series(1, :runs) AS i) s;

INSERT INTO orch.runs (id, pipeline, pipeline_file, trigger, logical_time, params, spec_hash, status, message,
                       host, pid, run_dir, started_at, finished_at, heartbeat_at, earlier_ms)
SELECT id, 'seed_' || (i % 4), :'file', CASE WHEN i % 3 = 0 THEN 'schedule:seed_hourly' ELSE 'manual' END,
       date_trunc('minute', t), '{"day": "seeded"}', 'seedhash', status,
       CASE status WHEN 'failed' THEN '1 failed, 4 upstream_failed' WHEN 'crashed' THEN 'the orch process died (seeded)' END,
       'seed-host', 4000 + i % 1000, NULL, t, t + interval '3 seconds', t + interval '3 seconds', 0
FROM seed_runs;

INSERT INTO orch.task_runs (run_id, task_id, position, state, message, attempts, started_at, finished_at)
SELECT r.id, 't' || p, p, st.state, NULL, st.attempts,
       CASE WHEN st.attempts > 0 THEN r.t + p * interval '100 ms' END,
       r.t + (p + 1) * interval '100 ms'
FROM seed_runs r CROSS JOIN generate_series(0, 9) AS p
CROSS JOIN LATERAL (SELECT
    CASE WHEN r.status = 'succeeded' OR p < 5 THEN 'succeeded'
         WHEN p = 5 THEN CASE r.status WHEN 'cancelled' THEN 'cancelled' ELSE 'failed' END
         WHEN r.status = 'failed' THEN 'upstream_failed' ELSE 'cancelled' END AS state,
    CASE WHEN r.status = 'succeeded' OR p < 5 THEN 1 WHEN p = 5 THEN CASE r.status WHEN 'failed' THEN 2 ELSE 1 END
         ELSE 0 END AS attempts) st;

INSERT INTO orch.attempts (run_id, task_id, attempt, status, started_at, finished_at, duration_ms, error_class, error,
                           exit_code, log_path, log_tail)
SELECT t.run_id, t.task_id, a,
       CASE t.state WHEN 'succeeded' THEN 'succeeded' WHEN 'cancelled' THEN 'cancelled' ELSE 'failed' END,
       t.started_at, t.finished_at, 100,
       CASE WHEN t.state = 'failed' THEN CASE WHEN r.status = 'crashed' THEN 'crashed' ELSE 'exit_code' END END,
       CASE WHEN t.state = 'failed' THEN 'exited 1' END,
       CASE WHEN t.state = 'failed' AND r.status = 'failed' THEN 1 END,
       '/nonexistent/seed/' || t.run_id || '/' || t.task_id || '/attempt-' || a || '.log',
       CASE WHEN t.state = 'failed' THEN 'seeded failure: exited 1' ELSE '' END
FROM orch.task_runs t JOIN seed_runs r ON r.id = t.run_id CROSS JOIN LATERAL generate_series(1, t.attempts) AS a;
COMMIT;
ANALYZE orch.runs;
ANALYZE orch.task_runs;
ANALYZE orch.attempts;
"""


def figures(bench, runs):
    tasks = runs * 10
    bench.section(f"the store at scale: {runs:,} runs, {tasks:,} task runs")
    bench.output([bench.orch, "db", "migrate"])  # with --only store nothing else has made the schema
    chain = "\n".join(f"  - {{ id: t{i}, kind: empty{', after: [t%d]' % (i - 1) if i else ''} }}" for i in range(10))
    file = bench.write("seed.yml", "name: seed\ntasks:\n" + chain + "\n")
    script = bench.write("seed.sql", SEED_SQL)
    spacing = 100 * 86400 / runs  # 100 days
    m = bench.measure(["psql", bench.url(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"runs={runs}",
                       "-v", f"spacing={spacing}", "-v", f"file={file}", "-f", script])
    counts = bench.sql("SELECT (SELECT count(*) FROM orch.runs) || ' ' || (SELECT count(*) FROM orch.task_runs) || ' ' || "
                       "(SELECT count(*) FROM orch.attempts)").split()
    bench.record("store: seeding (generate_series, one transaction, ANALYZE)", m.wall * 1000, "ms", None, None,
                 f"now {int(counts[0]):,} runs, {int(counts[1]):,} task runs, {int(counts[2]):,} attempts")
    failed = bench.sql("SELECT id FROM orch.runs WHERE pipeline LIKE 'seed%' AND status = 'failed' ORDER BY started_at DESC LIMIT 1")
    rounds = 2 if bench.quick else 5
    commands = [
        ("orch status", [], "< 100 ms"),
        ("orch status --state failed --since 2d", ["--state", "failed", "--since", "2d"], "< 100 ms"),
        ("orch report RUN (a failed run)", None, "< 100 ms"),
        ("orch status RUN (a failed run)", [failed], "< 100 ms"),
    ]
    for label, args, target in commands:
        argv = [bench.orch, "report", failed] if args is None else [bench.orch, "status", *args]
        ok = (0, 1) if args is None else (0,)
        bench.measure(argv, ok=ok)  # warm: the server's caches, as on a machine that runs it often
        ms = median([bench.measure(argv, ok=ok).wall * 1000 for _ in range(rounds)])
        bench.record(f"{label} at {runs:,} runs (whole process)", ms, "ms", target, ms < 100, f"median of {rounds}")


def web_figures(bench, runs):
    """The web view on the same store: `orch ui` serving the runs page (first,
    filtered, and a page deep in the history) and a failed run's page
    (report, DAG, timeline, tasks), timed per request from this process over
    loopback: the server's time plus one local round trip."""
    import re
    import subprocess
    import time
    import urllib.request
    failed = bench.sql("SELECT id FROM orch.runs WHERE pipeline LIKE 'seed%' AND status = 'failed' ORDER BY started_at DESC LIMIT 1")
    deep = bench.sql(f"SELECT id FROM orch.runs ORDER BY started_at DESC, id DESC OFFSET {runs * 9 // 10} LIMIT 1")
    log = open(bench.write("ui.log", ""), "w")
    ui = subprocess.Popen([bench.orch, "ui", "--listen", "127.0.0.1:0"], env=bench.env, cwd=bench.work, stderr=log,
                          stdout=subprocess.DEVNULL)
    try:
        port = None
        for _ in range(300):
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", open(log.name).read())
            if found:
                port = int(found.group(1))
                break
            time.sleep(0.05)
        if port is None:
            raise RuntimeError("orch ui did not say where it listens: " + open(log.name).read())

        def get(path):
            start = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}")
            return (time.perf_counter() - start) * 1000, len(body)

        rounds = 3 if bench.quick else 10
        pages = [("runs page (newest 50)", "/"),
                 ("runs page filtered (one pipeline, failed)", "/?status=failed&pipeline=seed_1"),
                 ("runs page 90% deep in the history (after=RUN)", f"/?after={deep}"),
                 ("run page of a failed run (report, DAG, timeline)", f"/run/{failed}")]
        for label, path in pages:
            get(path)  # warm
            samples = [get(path) for _ in range(rounds)]
            ms = median([s[0] for s in samples])
            bench.record(f"web: {label} at {runs:,} runs", ms, "ms", "< 100 ms", ms < 100,
                         f"median of {rounds} requests, {samples[0][1]:,} bytes")
    finally:
        ui.terminate()
        try:
            ui.wait(timeout=10)
        except subprocess.TimeoutExpired:
            ui.kill()
        log.close()
