"""Dagster on the engine figures' shapes (bench/lib/shapes.py): N no-op ops
(one op definition, aliased N times) wired as a chain, a fan-out/fan-in or
the seeded random DAG through `Nothing` inputs, run by
`execute_in_process` (the in-process executor) against an in-memory
instance or a SQLite one (`DagsterInstance.local_temp`: run and event
storage in SQLite files, as `dagster dev` keeps them). Prints one JSON object.

    python bench/peers/dagster_bench.py --shape chain --n 1000 --instance memory|sqlite
"""
import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shapes  # noqa: E402

import dagster  # noqa: E402
from dagster import (DagsterInstance, DependencyDefinition, GraphDefinition, In,  # noqa: E402
                     MultiDependencyDefinition, NodeInvocation, Nothing, op)


@op(ins={"after": In(Nothing)})
def noop():
    return None


def build_job(shape, tasks):
    dependencies = {}
    for task, deps in tasks:
        wiring = {}
        if deps:
            wiring["after"] = MultiDependencyDefinition([DependencyDefinition(d, "result") for d in deps])
        dependencies[NodeInvocation("noop", alias=task)] = wiring
    return GraphDefinition(name=f"bench_{shape}", node_defs=[noop], dependencies=dependencies).to_job()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=shapes.SHAPES, required=True)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--instance", choices=("memory", "sqlite"), default="memory")
    args = parser.parse_args()
    tasks = shapes.shape(args.shape, args.n)
    job = build_job(args.shape, tasks)
    with tempfile.TemporaryDirectory(prefix="orch-bench-dagster-") as home:
        instance = DagsterInstance.ephemeral() if args.instance == "memory" else DagsterInstance.local_temp(home)
        start = time.perf_counter()
        result = job.execute_in_process(instance=instance)
        wall = time.perf_counter() - start
        succeeded = sum(1 for e in result.all_events if e.event_type_value == "STEP_SUCCESS")
        instance.dispose()
    if not result.success or succeeded != args.n:
        sys.exit(f"dagster: {succeeded} of {args.n} steps succeeded (success {result.success})")
    print(json.dumps({"peer": f"dagster-{args.instance}", "version": dagster.__version__, "shape": args.shape,
                      "n": args.n, "edges": shapes.edges(tasks), "wall_s": wall, "ms_per_task": wall * 1000 / args.n,
                      "how": f"execute_in_process, in-process executor, {args.instance} instance"}))


if __name__ == "__main__":
    main()
