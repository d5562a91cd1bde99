"""orch's benchmark suite (run through bench/run).

Every figure is measured in this one invocation, against its target and, where
there is one, a baseline measured in the same invocation (the spawn floor for
`command` tasks, psql for loads and models, the peers with --peers). Results:
a table on stdout and bench/results.json (each figure with its value, unit,
target, met: true/false/null and a note).

    python3 bench/lib/suite.py --orch PATH [--standin PATH] [--quick] [--peers]
                               [--only engine,ingest,marketing,scheduler,store,peers] [--out FILE]

Groups, in the order they run (the store is seeded last, so that its
100,000 runs slow no other figure):
  engine     chain / fan / random DAGs of empty, sql, command tasks; durable
             at exit; CPU shares of orch and of PostgreSQL; growth; validate + plan
  ingest     Online_Sales.csv: csv_extract vs psql \\copy
  marketing  the marketing pipeline warm (wall, RSS, stages, train_segments);
             its models + tests vs the same SQL in one psql session
  scheduler  fire lag p50/p99 of an every: 1s schedule
  peers      (only with --peers) Luigi, Dagster, dbt, installed under /tmp
  store      orch status / report and the web view (orch ui) at 100,000 runs and 1,000,000 task runs

Exit status: 1 when a run's attempts were not all stored when `orch run`
exited (a broken promise) or the suite itself failed; a missed speed target
is a figure to improve, not a failure.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import engine  # noqa: E402
import ingest  # noqa: E402
import marketing  # noqa: E402
import peers  # noqa: E402
import scheduler  # noqa: E402
import store_scale  # noqa: E402
from harness import REPO, Bench  # noqa: E402

GROUPS = ("engine", "ingest", "marketing", "scheduler", "peers", "store")


def sizes(quick):
    """What each group measures, quick (CI: proves the suite runs, ~1 min on 2 cores) or full."""
    if quick:
        return dict(small=100, large=300, rounds=1, ingest_rounds=1, marketing_rounds=1, ticks=5, store_runs=2000)
    return dict(small=1000, large=10000, rounds=3, ingest_rounds=7, marketing_rounds=3, ticks=100, store_runs=100000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orch", required=True)
    parser.add_argument("--standin", help="orch-standin (default: the one beside --orch)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peers", action="store_true", help="also Luigi, Dagster and dbt (installs them under /tmp)")
    parser.add_argument("--only", help="comma-separated groups: " + ", ".join(GROUPS))
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "results.json"))
    args = parser.parse_args()
    orch = os.path.abspath(args.orch)
    standin = os.path.abspath(args.standin or os.path.join(os.path.dirname(orch), "orch-standin"))
    groups = [g.strip() for g in args.only.split(",")] if args.only else [g for g in GROUPS if g != "peers" or args.peers]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        sys.exit(f"bench: unknown group {', '.join(unknown)} (groups: {', '.join(GROUPS)})")
    if not os.access(orch, os.X_OK):
        sys.exit(f"bench: {orch} is not an executable")
    size = sizes(args.quick)

    work = tempfile.mkdtemp(prefix="orch-bench-")
    os.chmod(work, 0o755)
    bench = Bench(orch, standin, args.quick, work)
    began = time.monotonic()
    try:
        bench.output([orch, "db", "start"])
        print(f"orch benchmark ({'quick' if args.quick else 'full'}): {platform.node()}, {os.cpu_count()} cores, "
              f"{orch}; engine N = {size['small']} and {size['large']}, median of {size['rounds']}")
        print(f"  {'figure':<58} {'value':>10} {'unit':<8} {'target':<22} met?")
        per_task, models_ms, data = {}, None, None
        if "engine" in groups:
            per_task = engine.figures(bench, size["small"], size["large"], size["rounds"])
        if "ingest" in groups:
            ingest.figures(bench, size["ingest_rounds"])
        if "marketing" in groups or "peers" in groups:
            bench.section("marketing pipeline, first run")
            data = marketing.prepare(bench)
        if "marketing" in groups:
            marketing.pipeline_figures(bench, data, size["marketing_rounds"])
            models_ms = marketing.models_figures(bench, data, size["marketing_rounds"])
        if "scheduler" in groups:
            scheduler.figures(bench, size["ticks"])
        if "peers" in groups:
            n = size["small"]
            peers.figures(bench, n, size["marketing_rounds"],
                          {s: per_task[("empty", s, n)] for s in ("chain", "fan", "random") if ("empty", s, n) in per_task},
                          models_ms)
        if "store" in groups:
            store_scale.figures(bench, size["store_runs"])
            store_scale.web_figures(bench, size["store_runs"])
    finally:
        subprocess.run([orch, "db", "stop"], env=bench.env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - began
    with open(args.out, "w") as f:
        json.dump({"schema_version": 1, "quick": args.quick, "groups": groups, "orch": orch,
                   "standin": standin if os.path.exists(standin) else None, "elapsed_s": round(elapsed, 1),
                   "machine": {"host": platform.node(), "cores": os.cpu_count(), "system": platform.platform(),
                               "load_average": os.getloadavg()},
                   "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "figures": bench.rows}, f, indent=2)
        f.write("\n")
    missed = [r["figure"] for r in bench.rows if r["met"] is False]
    unmeasured = [r["figure"] for r in bench.rows if r["value"] is None]
    print(f"{len(bench.rows)} figures, {len(missed)} targets missed, {len(unmeasured)} not measured, "
          f"in {elapsed:.0f} s; written to {os.path.relpath(args.out, REPO)}")
    # A speed target missed is a figure to improve; a state not durable at exit is a broken promise.
    lost = [r["figure"] for r in bench.rows if "durable" in r["figure"] and r["value"] is not True]
    if lost:
        sys.exit("bench: not every attempt was stored when orch run exited: " + "; ".join(lost))


if __name__ == "__main__":
    main()
