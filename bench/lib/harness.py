"""The suite's harness: running orch and psql against one private embedded
PostgreSQL, measuring a child's wall, peak RSS and CPU, the CPU the
PostgreSQL server spent meanwhile, and recording figures.
"""
import os
import statistics
import subprocess
import sys
import time
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TICK = os.sysconf("SC_CLK_TCK")

# wall, cpu and pg_cpu in seconds; rss in MiB; stdout as text when asked for.
Measured = namedtuple("Measured", "wall rss cpu pg_cpu stdout")


def median(values):
    return statistics.median(values) if values else None


def percentile(values, q):
    """The q-th percentile (0–100), linear between the closest ranks (numpy's default)."""
    s = sorted(values)
    if not s:
        return None
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


class PostgresCPU:
    """CPU seconds spent by the embedded server: the postmaster (with the
    children it has reaped: backends that ended, counted in its cutime) and
    its live children, from /proc/<pid>/stat. A difference of two readings
    is the server's CPU over that interval."""

    def __init__(self, data_dir):
        self.data_dir = data_dir

    def postmaster(self):
        try:
            with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _stat(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        # after the command: state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 3
        return int(fields[1]), sum(int(x) for x in fields[11:15])

    def children(self, pm):
        out = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                stat = self._stat(name)
                if stat and stat[0] == pm:
                    out[int(name)] = stat[1]
        return out

    def reading(self):
        """(CPU seconds so far, number of live server processes)."""
        pm = self.postmaster()
        own = self._stat(pm) if pm else None
        if own is None:
            return 0.0, 0
        kids = self.children(pm)
        return (own[1] + sum(kids.values())) / TICK, len(kids)

    def settled(self, processes_before, limit=1.0):
        """A reading once the backends of a finished client have exited (at most `limit` s)."""
        deadline = time.monotonic() + limit
        while True:
            cpu, n = self.reading()
            if n <= processes_before or time.monotonic() > deadline:
                return cpu
            time.sleep(0.01)


class Bench:
    def __init__(self, orch, standin, quick, work):
        self.orch = orch
        self.standin = standin
        self.quick = quick
        self.work = work
        self.home = os.path.join(work, "home")
        self.env = dict(os.environ, ORCH_HOME=self.home, ORCH_DATABASE_URL="", NO_COLOR="1", NOTIFY_SOCKET="")
        self.pg = PostgresCPU(os.path.join(self.home, "postgres", "data"))
        self.rows = []  # {figure, value, unit, target, met: bool|None, note}
        self._url = None
        self.began = time.monotonic()

    # -- running things ---------------------------------------------------------------------

    def output(self, argv, check=True):
        """Runs argv and returns its stdout; a failure stops the suite with its stderr."""
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, cwd=self.work)
        if check and proc.returncode != 0:
            sys.exit(f"bench: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        return proc.stdout

    def measure(self, argv, capture=False, ok=(0,)):
        """Runs argv (stdin closed, stderr to last-stderr.txt) and returns a Measured:
        wall, peak RSS and CPU (user + system, its reaped children included) from
        wait4, and the server's CPU meanwhile. An exit code not in `ok` stops the suite."""
        out_path = os.path.join(self.work, "last-stdout.txt")
        err_path = os.path.join(self.work, "last-stderr.txt")
        pg_before, procs_before = self.pg.reading()
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, self.env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, out_path if capture else os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        pg_cpu = self.pg.settled(procs_before) - pg_before
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            with open(err_path, errors="replace") as f:
                sys.exit(f"bench: {' '.join(argv)} exited {code}:\n{f.read()[-2000:]}")
        stdout = None
        if capture:
            with open(out_path, errors="replace") as f:
                stdout = f.read()
        return Measured(wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, pg_cpu, stdout)

    def run_peak(self, argv):
        """(wall seconds, peak RSS MiB) of argv."""
        m = self.measure(argv)
        return m.wall, m.rss

    def url(self):
        if self._url is None:
            self._url = self.output([self.orch, "db", "url"]).strip()
        return self._url

    def psql(self, *args, sql=None, check=True):
        """psql on the embedded server (-X: no ~/.psqlrc), returning stdout."""
        argv = ["psql", self.url(), "-X", "-v", "ON_ERROR_STOP=1", *args]
        proc = subprocess.run(argv, env=self.env, input=sql, capture_output=True, text=True, cwd=self.work)
        if check and proc.returncode != 0:
            sys.exit(f"bench: psql {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        return proc.stdout

    def sql(self, query):
        return self.psql("-At", "-c", query).strip()

    def write(self, name, text):
        path = os.path.join(self.work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    # -- figures ----------------------------------------------------------------------------

    def record(self, figure, value, unit, target=None, met=None, note=""):
        """One row of the table. `value` None (with a note) is a figure that could not be measured."""
        self.rows.append({"figure": figure, "value": value, "unit": unit, "target": target, "met": met, "note": note})
        if value is None:
            shown = "-"
        elif isinstance(value, float):
            shown = f"{value:.3f}"
        else:
            shown = str(value)
        verdict = "" if met is None else ("met" if met else "MISSED")
        tail = f"  ({note})" if value is None and note else ""
        print(f"  {figure:<58} {shown:>10} {unit:<8} {target or '':<22} {verdict}{tail}", flush=True)

    def section(self, title):
        print(f"  -- {title} [{time.monotonic() - self.began:.0f} s]", flush=True)
