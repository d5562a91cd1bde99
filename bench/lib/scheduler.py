"""Scheduler fire lag: `orch scheduler` with one `every: 1s` schedule of a
one-task `empty` pipeline, for ~100 ticks (quick: ~5), stopped with SIGTERM.
Lag per tick = when its run started (orch.runs.started_at) − its logical
time; also when the tick was claimed (orch.schedule_ticks.claimed_at, the
server's clock: the same machine)."""
import os
import signal
import subprocess
import time

from harness import median, percentile

SCHEDULE = "bench_tick"


def figures(bench, ticks):
    bench.section(f"scheduler: fire lag of an every: 1s schedule over {ticks} ticks")
    pipeline = bench.write("bench_tick.yml", "name: bench_tick\ntasks:\n  - { id: tick, kind: empty }\n")
    folder = os.path.join(bench.work, "schedules")
    bench.write(f"schedules/{SCHEDULE}.yml", f"pipeline: {pipeline}\nevery: 1s\ncatchup: false\noverlap: skip\n")
    bench.output([bench.orch, "db", "migrate"])
    log = open(os.path.join(bench.work, "scheduler.log"), "w")
    proc = subprocess.Popen([bench.orch, "scheduler", "--schedules", folder, "--grace", "5s"], env=bench.env,
                            cwd=bench.work, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + ticks + 30
    claimed = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            claimed = int(bench.sql(f"SELECT count(*) FROM orch.schedule_ticks WHERE schedule = '{SCHEDULE}'"))
            if claimed >= ticks:
                break
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        log.close()
    rows = bench.sql(f"""
        SELECT t.status,
               round(extract(epoch FROM t.claimed_at - t.logical_time) * 1000, 3),
               coalesce(round(extract(epoch FROM r.started_at - t.logical_time) * 1000, 3)::text, '')
        FROM orch.schedule_ticks t LEFT JOIN orch.runs r ON r.id = t.run_id
        WHERE t.schedule = '{SCHEDULE}' ORDER BY t.logical_time""").splitlines()
    started = [r.split("|") for r in rows if r.startswith("started|")]
    claim = [float(c) for _, c, _ in started]
    run = [float(s) for _, _, s in started if s]
    skipped = len(rows) - len(started)
    if not run:
        with open(os.path.join(bench.work, "scheduler.log"), errors="replace") as f:
            tail = f.read()[-1500:]
        bench.record("scheduler: fire lag p99 (run started − logical time)", None, "ms", "< 50 ms", None,
                     f"not measured: no tick started a run (scheduler exit {code}): {tail}")
        return
    p50, p99 = percentile(run, 50), percentile(run, 99)
    note = f"{len(run)} runs, {skipped} ticks not started; max {max(run):.1f} ms"
    bench.record("scheduler: fire lag p50 (run started − logical time)", p50, "ms", None, None, note)
    bench.record("scheduler: fire lag p99 (run started − logical time)", p99, "ms", "< 50 ms", p99 < 50, note)
    bench.record("scheduler: claim lag p50 (tick claimed − logical time)", percentile(claim, 50), "ms", None, None,
                 "claimed_at is the server's now() at the claim")
    bench.record("scheduler: claim lag p99 (tick claimed − logical time)", percentile(claim, 99), "ms", None, None,
                 f"median {median(claim):.1f} ms")
    bench.record("scheduler: SIGTERM, exit code", code, "", "0", code == 0)
