"""orch's benchmark suite (run through bench/run).

Every figure is measured in this one invocation, against its target and, where
there is one, a baseline measured in the same invocation (the spawn floor for
`command` tasks). Results: a table on stdout and bench/results.json.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


class Bench:
    def __init__(self, orch, quick, work):
        self.orch = orch
        self.quick = quick
        self.work = work
        self.env = dict(os.environ, ORCH_HOME=os.path.join(work, "home"), ORCH_DATABASE_URL="", NO_COLOR="1")
        self.rows = []  # (figure, value, unit, target text, met: bool|None, note)

    # -- running things -------------------------------------------------------------------------

    def output(self, argv):
        """Runs argv and returns its stdout; a failure stops the suite with its stderr."""
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, cwd=self.work)
        if proc.returncode != 0:
            sys.exit(f"bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        return proc.stdout

    def run_peak(self, argv):
        """Runs argv and returns (wall seconds, peak RSS MiB) from wait4 on the child."""
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, self.env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.path.join(self.work, "last-stderr.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            with open(os.path.join(self.work, "last-stderr.txt"), errors="replace") as f:
                sys.exit(f"bench: {' '.join(argv)} failed:\n{f.read()[-2000:]}")
        return wall, usage.ru_maxrss / 1024

    def sql(self, query):
        url = self.output([self.orch, "db", "url"]).strip()
        return subprocess.run(["psql", url, "-At", "-c", query], env=self.env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def record(self, figure, value, unit, target=None, met=None, note=""):
        self.rows.append({"figure": figure, "value": value, "unit": unit, "target": target, "met": met, "note": note})
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        verdict = "" if met is None else ("met" if met else "MISSED")
        print(f"  {figure:<52} {shown:>10} {unit:<8} {target or '':<22} {verdict}", flush=True)

    # -- pipelines ---------------------------------------------------------------------------

    def pipeline(self, shape, kind, n):
        body = {"empty": "kind: empty", "sql": "kind: sql, sql: select 1", "command": 'kind: command, command: ["true"]'}[kind]
        name = f"bench_{shape}_{kind}_{n}"
        lines = [f"name: {name}", "tasks:"]
        if shape == "chain":
            for i in range(n):
                after = f", after: [t{i - 1}]" if i else ""
                lines.append(f"  - {{ id: t{i}, {body}{after} }}")
        else:  # fan-out / fan-in: one start, n - 2 in the middle, one end
            lines.append(f"  - {{ id: start, {body} }}")
            for i in range(n - 2):
                lines.append(f"  - {{ id: t{i}, {body}, after: [start] }}")
            lines.append(f"  - {{ id: end, {body}, after: [{', '.join(f't{i}' for i in range(n - 2))}] }}")
        path = os.path.join(self.work, f"{name}.yml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return name, path

    # -- figures -----------------------------------------------------------------------------

    def spawn_floor(self, n):
        """ms to spawn /bin/true from a shell loop: the floor under a `command` task."""
        start = time.perf_counter()
        subprocess.run(["bash", "-c", f"for i in $(seq {n}); do /bin/true; done"], check=True)
        return (time.perf_counter() - start) * 1000 / n

    def engine(self, shape, kind, n, rounds):
        name, path = self.pipeline(shape, kind, n)
        argv = [self.orch, "run", path, "--concurrency", "2"]
        self.run_peak(argv)  # warm-up: the first run of a pipeline creates its folders
        walls, peak = [], 0.0
        for _ in range(rounds):
            wall, rss = self.run_peak(argv)
            walls.append(wall)
            peak = max(peak, rss)
        # Durable the moment `orch run` exited: every task of the last run is stored succeeded.
        stored = int(self.sql(f"SELECT count(*) FROM orch.attempts a JOIN orch.runs r ON r.id = a.run_id "
                              f"WHERE r.id = (SELECT id FROM orch.runs WHERE pipeline = '{name}' "
                              f"ORDER BY started_at DESC LIMIT 1) AND a.status = 'succeeded'"))
        return statistics.median(walls) * 1000 / n, peak, stored == n

    def planning(self, n):
        _, path = self.pipeline("chain", "empty", n)
        self.run_peak([self.orch, "validate", path])
        walls = [self.run_peak([self.orch, "validate", path])[0] for _ in range(1 if self.quick else 3)]
        return statistics.median(walls) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orch", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "results.json"))
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="orch-bench-")
    os.chmod(work, 0o755)
    bench = Bench(args.orch, args.quick, work)
    try:
        bench.output([args.orch, "db", "start"])
        small, large = (100, 300) if args.quick else (1000, 10000)
        rounds = 1 if args.quick else 3
        print(f"orch benchmark ({'quick' if args.quick else 'full'}): {platform.node()}, "
              f"{os.cpu_count()} cores, N = {small} and {large}, median of {rounds}")
        print(f"  {'figure':<52} {'value':>10} {'unit':<8} {'target':<22}")

        floor = bench.spawn_floor(small)
        bench.record("spawn floor (/bin/true from a shell loop)", floor, "ms", None, None, "baseline")

        targets = {"empty": 0.25, "sql": 0.6, "command": floor + 0.3}
        per_task = {}
        for kind in ("empty", "sql", "command"):
            for shape in ("chain", "fan"):
                for n in ((small, large) if kind == "empty" else (small,)):
                    ms, rss, durable = bench.engine(shape, kind, n, rounds)
                    per_task[(kind, shape, n)] = ms
                    bench.record(f"{kind} {shape} N={n}: per task", ms, "ms", f"<= {targets[kind]:.2f} ms",
                                 ms <= targets[kind])
                    bench.record(f"{kind} {shape} N={n}: every attempt durable at exit", durable, "", "true", durable)
                    if kind == "empty" and n == large:
                        bench.record(f"empty {shape} N={n}: peak RSS", rss, "MiB", "< 100 MiB", rss < 100)
        for shape in ("chain", "fan"):
            growth = per_task[("empty", shape, large)] * large / (per_task[("empty", shape, small)] * small)
            bound = large / small * 1.1
            bench.record(f"empty {shape}: time at N={large} / N={small}", growth, "x", f"<= {bound:.1f}x", growth <= bound)
        for kind in ("empty", "sql", "command"):
            ratio = per_task[(kind, "fan", small)] / per_task[(kind, "chain", small)]
            bench.record(f"{kind}: fan per task / chain per task (concurrency 2)", ratio, "x", "<= 1.0x", ratio <= 1.0)

        plan_n = 1000 if args.quick else 10000
        ms = bench.planning(plan_n)
        bench.record(f"validate + plan {plan_n} tasks (whole process)", ms, "ms", "< 200 ms", ms < 200)
    finally:
        subprocess.run([args.orch, "db", "stop"], env=bench.env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    with open(args.out, "w") as f:
        json.dump({"schema_version": 1, "quick": args.quick, "machine": {"host": platform.node(), "cores": os.cpu_count(),
                   "system": platform.platform()}, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "figures": bench.rows}, f, indent=2)
    missed = [r["figure"] for r in bench.rows if r["met"] is False]
    print(f"{len(bench.rows)} figures, {len(missed)} targets missed; written to {os.path.relpath(args.out, REPO)}")
    # A speed target missed is a figure to improve; a state not durable at exit is a broken promise.
    lost = [r["figure"] for r in bench.rows if "durable" in r["figure"] and r["value"] is not True]
    if lost:
        sys.exit("bench: not every attempt was stored when orch run exited: " + "; ".join(lost))


if __name__ == "__main__":
    main()
