"""Peers (bench/run --peers): Luigi and Dagster on the engine shapes, dbt on
the marketing models, each installed into its own virtualenv under /tmp by
bench/peers/setup.sh. A peer that cannot be installed (no network, a build
that downloads from elsewhere) is recorded "not measured: <reason>", never
guessed; nothing here fails the suite."""
import json
import os
import subprocess
import time

import shapes
from harness import REPO, median

PEERS = os.path.join(REPO, "bench", "peers")
def setup(peer):
    """(python path, None) or (None, reason)."""
    proc = subprocess.run(["bash", os.path.join(PEERS, "setup.sh"), peer], capture_output=True, text=True)
    if proc.returncode != 0:
        reason = " ".join(proc.stderr.split())[-300:] or f"setup.sh exited {proc.returncode}"
        return None, f"could not install {peer}: {reason}"
    return proc.stdout.strip().splitlines()[-1], None


def run_json(argv, timeout):
    """The JSON line a peer script prints, or (None, reason)."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    if proc.returncode != 0:
        return None, " ".join(proc.stderr.split())[-300:] or f"exited {proc.returncode}"
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line), None
    return None, "printed no result"


def shape_figures(bench, peer, python, reason, script, n, orch_ms, extra=()):
    for shape in shapes.SHAPES:
        label = f"peer {peer} {shape} N={n}: per task"
        if python is None:
            bench.record(label, None, "ms", None, None, f"not measured: {reason}")
            continue
        result, reason = run_json([python, os.path.join(PEERS, script), "--shape", shape, "--n", str(n), *extra],
                                  timeout=900)
        if result is None:
            bench.record(label, None, "ms", None, None, f"not measured: {reason}")
            continue
        ours = orch_ms.get(shape)
        note = f"{result['how']}, {result['peer']} {result['version']}"
        if ours:
            note += f"; orch's {shape} per task is {ours:.3f} ms ({result['ms_per_task'] / ours:.1f}x that)"
        bench.record(label, result["ms_per_task"], "ms", None, None, note)


def dbt_figures(bench, python, reason, rounds, orch_models_ms):
    label = "peer dbt build (marketing models + tests, whole process)"
    if python is None:
        bench.record(label, None, "ms", None, None, f"not measured: {reason}")
        return
    project = os.path.join(bench.work, "dbt")
    subprocess.run([python, os.path.join(PEERS, "dbt", "generate.py"), project, "--url", bench.url(),
                    "--threads", str(os.cpu_count())], check=True, capture_output=True)
    dbt = os.path.join(os.path.dirname(python), "dbt")
    argv = [dbt, "build", "--project-dir", project, "--profiles-dir", project, "--full-refresh"]
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")

    def once():
        start = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=project, env=env)
        return time.perf_counter() - start, proc

    _, proc = once()  # the first build creates the schemas and parses the project
    if proc.returncode != 0:
        tail = " ".join(proc.stdout.split())[-300:]
        bench.record(label, None, "ms", None, None, f"not measured: dbt build exited {proc.returncode}: {tail}")
        return
    walls = [once()[0] * 1000 for _ in range(rounds)]
    version = subprocess.run([python, "-c", "from dbt.version import __version__ as v; print(v)"],
                             capture_output=True, text=True).stdout.strip()
    done = [line for line in proc.stdout.splitlines() if "Done." in line]
    bench.record(label, median(walls), "ms", None, None,
                 f"dbt-core {version}, --full-refresh, threads {os.cpu_count()}, partial parse warm; "
                 f"{done[-1].split('Done.')[-1].strip() if done else ''}")
    if orch_models_ms:
        ratio = orch_models_ms / median(walls)
        bench.record("peer dbt: orch --select models / dbt build", ratio, "x", "<= 0.1x", ratio <= 0.1,
                     "both whole processes, the same models and tests, the same server")


def figures(bench, n, rounds, orch_ms, orch_models_ms):
    """orch_ms: {shape: orch's empty per-task ms at N = n}."""
    bench.section("peers (each in its own virtualenv under /tmp; no-op tasks)")
    python, reason = setup("luigi")
    shape_figures(bench, "luigi", python, reason, "luigi_bench.py", n, orch_ms)
    python, reason = setup("dagster")
    for instance in ("memory", "sqlite"):  # sqlite: every event written to SQLite (~30 ms a task here)
        shape_figures(bench, f"dagster ({instance} instance)", python, reason, "dagster_bench.py", n,
                      orch_ms, ("--instance", instance))
    python, reason = setup("dbt")
    dbt_figures(bench, python, reason, rounds, orch_models_ms)
