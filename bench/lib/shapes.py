"""The DAG shapes of the engine figures, shared by the suite and the peer
scripts (bench/peers/*), so that orch, Luigi and Dagster run the very same
graphs. Plain Python, no dependencies: the peers import it from their own
virtualenvs.

A shape is a list of (task id, [ids it depends on]) in a topological order.
"""
import random

SHAPES = ("chain", "fan", "random")
RANDOM_SEED = 13  # issue 13


def chain(n):
    """t0 → t1 → … → t(n-1)."""
    return [(f"t{i}", [f"t{i - 1}"] if i else []) for i in range(n)]


def fan(n):
    """Fan-out / fan-in: one start, n - 2 in the middle, one end."""
    middle = [f"t{i}" for i in range(n - 2)]
    return [("start", [])] + [(t, ["start"]) for t in middle] + [("end", middle)]


def random_dag(n, seed=RANDOM_SEED):
    """Each task depends on 0–3 distinct earlier tasks, drawn with a seeded generator."""
    rng = random.Random(seed)
    tasks = []
    for i in range(n):
        k = rng.randint(0, min(3, i))
        deps = sorted(rng.sample(range(i), k))
        tasks.append((f"t{i}", [f"t{j}" for j in deps]))
    return tasks


def shape(name, n, seed=RANDOM_SEED):
    if name == "chain":
        return chain(n)
    if name == "fan":
        return fan(n)
    if name == "random":
        return random_dag(n, seed)
    raise ValueError(f"unknown shape {name!r} (one of {', '.join(SHAPES)})")


def edges(tasks):
    return sum(len(deps) for _, deps in tasks)


def longest_path(tasks):
    """Tasks on the longest dependency path (the critical path in tasks)."""
    depth = {}
    for task, deps in tasks:
        depth[task] = 1 + max((depth[d] for d in deps), default=0)
    return max(depth.values(), default=0)
