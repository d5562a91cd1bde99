"""Luigi 3.x on the engine figures' shapes (bench/lib/shapes.py): N no-op
tasks in a chain, a fan-out/fan-in or the seeded random DAG, run by
`luigi.build` with the local scheduler. Prints one JSON object.

    python bench/peers/luigi_bench.py --shape chain --n 1000

One worker: with more, Luigi forks a process per task, and a no-op task's
completion (kept in this process's memory: no output files, which would
measure the file system instead) would not be seen. orch's figures use
concurrency 2; for no-op tasks the engine's cost per task is what both measure.
"""
import argparse
import json
import logging
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shapes  # noqa: E402

import luigi  # noqa: E402

GRAPH = {}
DONE = set()


class Node(luigi.Task):
    tid = luigi.Parameter()

    def requires(self):
        return [Node(tid=d) for d in GRAPH[self.tid]]

    def complete(self):
        return self.tid in DONE

    def run(self):
        DONE.add(self.tid)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=shapes.SHAPES, required=True)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    tasks = shapes.shape(args.shape, args.n)
    GRAPH.update({t: deps for t, deps in tasks})
    needed = {d for _, deps in tasks for d in deps}
    sinks = [Node(tid=t) for t, _ in tasks if t not in needed]
    logging.disable(logging.WARNING)
    start = time.perf_counter()
    ok = luigi.build(sinks, local_scheduler=True, workers=1, log_level="ERROR")
    wall = time.perf_counter() - start
    if not ok or len(DONE) != args.n:
        sys.exit(f"luigi: {len(DONE)} of {args.n} tasks done (build returned {ok})")
    print(json.dumps({"peer": "luigi", "version": luigi.__version__, "shape": args.shape, "n": args.n,
                      "edges": shapes.edges(tasks), "wall_s": wall, "ms_per_task": wall * 1000 / args.n,
                      "how": "luigi.build, local scheduler, 1 worker"}))


if __name__ == "__main__":
    main()
