"""Engine overhead: chain, fan and random DAGs of `empty`, `sql: select 1`
and `command: ["true"]` tasks, per task against the targets; whether every
attempt is stored when `orch run` exits; the CPU shares of orch and of the
PostgreSQL server during the runs; growth with N; validate + plan."""
import subprocess
import time

import shapes
from harness import median

BODIES = {"empty": "kind: empty", "sql": "kind: sql, sql: select 1", "command": 'kind: command, command: ["true"]',
          "sql_read_only": "kind: sql, sql: select 1, read_only: true"}


def pipeline(bench, shape, kind, n):
    name = f"bench_{shape}_{kind}_{n}"
    lines = [f"name: {name}", "tasks:"]
    for task, deps in shapes.shape(shape, n):
        after = f", after: [{', '.join(deps)}]" if deps else ""
        lines.append(f"  - {{ id: {task}, {BODIES[kind]}{after} }}")
    return name, bench.write(f"{name}.yml", "\n".join(lines) + "\n")


def run_engine(bench, shape, kind, n, rounds):
    """Median per-task ms of `rounds` runs (after one warm-up run), peak RSS,
    durable-at-exit, and CPU shares summed over the timed rounds."""
    name, path = pipeline(bench, shape, kind, n)
    argv = [bench.orch, "run", path, "--concurrency", "2"]
    bench.measure(argv)  # warm-up: the first run of a pipeline creates its folders
    runs = [bench.measure(argv) for _ in range(rounds)]
    wall = sum(m.wall for m in runs)
    # Durable the moment `orch run` exited: every task of the last run is stored succeeded.
    stored = int(bench.sql(f"SELECT count(*) FROM orch.attempts a JOIN orch.runs r ON r.id = a.run_id "
                           f"WHERE r.id = (SELECT id FROM orch.runs WHERE pipeline = '{name}' "
                           f"ORDER BY started_at DESC LIMIT 1) AND a.status = 'succeeded'"))
    return {"ms": median([m.wall for m in runs]) * 1000 / n, "rss": max(m.rss for m in runs), "durable": stored == n,
            "orch_share": sum(m.cpu for m in runs) / wall, "pg_share": sum(m.pg_cpu for m in runs) / wall}


def planning(bench, n):
    _, path = pipeline(bench, "chain", "empty", n)
    bench.measure([bench.orch, "validate", path])
    return median([bench.measure([bench.orch, "validate", path]).wall for _ in range(1 if bench.quick else 3)]) * 1000


def figures(bench, small, large, rounds):
    """Every engine figure; returns {(kind, shape, n): per-task ms}."""
    bench.section("engine overhead (concurrency 2; per task = whole `orch run` wall / N)")
    floor = spawn_floor(small)
    bench.record("spawn floor (/bin/true from a shell loop)", floor, "ms", None, None, "baseline")

    targets = {"empty": 0.25, "sql": 0.6, "command": floor + 0.3}
    per_task, shares = {}, []
    for kind in ("empty", "sql", "command"):
        for shape in shapes.SHAPES:
            for n in ((small, large) if kind == "empty" else (small,)):
                r = run_engine(bench, shape, kind, n, rounds)
                per_task[(kind, shape, n)] = r["ms"]
                label = f"{kind} {shape} N={n}"
                graph = shapes.shape(shape, n)
                bench.record(f"{label}: per task", r["ms"], "ms", f"<= {targets[kind]:.2f} ms", r["ms"] <= targets[kind],
                             f"{shapes.edges(graph)} edges, longest path {shapes.longest_path(graph)} tasks")
                bench.record(f"{label}: every attempt durable at exit", r["durable"], "", "true", r["durable"])
                if kind == "empty" and n == large:
                    bench.record(f"{label}: peak RSS", r["rss"], "MiB", "< 100 MiB", r["rss"] < 100)
                if n == small:
                    shares.append((label, r))
    for label, r in shares:
        bench.record(f"{label}: postgres CPU / wall", r["pg_share"], "x", None, None,
                     "CPU of every server process (postmaster, backends, workers) over the timed rounds / their wall")
        bench.record(f"{label}: orch CPU / wall", r["orch_share"], "x", None, None,
                     "orch's user + system CPU (its reaped children included) / wall")
    for shape in shapes.SHAPES:
        growth = per_task[("empty", shape, large)] * large / (per_task[("empty", shape, small)] * small)
        bound = large / small * 1.1
        bench.record(f"empty {shape}: time at N={large} / N={small}", growth, "x", f"<= {bound:.1f}x", growth <= bound)
    # The same `select 1` declared read_only (one round trip on a read-only session), beside it: not a target.
    for shape in ("chain", "fan"):
        r = run_engine(bench, shape, "sql_read_only", small, rounds)
        bench.record(f"sql read_only {shape} N={small}: per task", r["ms"], "ms", None, None,
                     "`read_only: true`: one round trip instead of five")
    for kind in ("empty", "sql", "command"):
        ratio = per_task[(kind, "fan", small)] / per_task[(kind, "chain", small)]
        bench.record(f"{kind}: fan per task / chain per task (concurrency 2)", ratio, "x", "<= 1.0x", ratio <= 1.0)

    plan_n = 1000 if bench.quick else 10000
    ms = planning(bench, plan_n)
    bench.record(f"validate + plan {plan_n} tasks (whole process)", ms, "ms", "< 200 ms", ms < 200)
    return per_task


def spawn_floor(n):
    """ms to spawn /bin/true from a shell loop: the floor under a `command` task."""
    start = time.perf_counter()
    subprocess.run(["bash", "-c", f"for i in $(seq {n}); do /bin/true; done"], check=True)
    return (time.perf_counter() - start) * 1000 / n
