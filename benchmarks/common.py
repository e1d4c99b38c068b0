"""What every benchmark shares: statistics, timing loops, process memory, the machine."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    """Repeated measurements of one figure, in `unit`."""

    values: list[float]
    unit: str

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return percentile(self.values, 50)

    @property
    def p99(self) -> float:
        return percentile(self.values, 99)

    def to_json(self) -> dict[str, Any]:
        return {"unit": self.unit, "n": self.n, "median": self.median, "p99": self.p99}


def time_calls(
    call: Callable[[T], object], items: Sequence[T], rounds: int, budget_s: float
) -> list[float]:
    """Milliseconds per call of `call(item)`, over `rounds` passes over `items`; stops after
    the pass during which `budget_s` seconds ran out (always at least one pass)."""
    out: list[float] = []
    clock = time.perf_counter_ns
    for item in items[:5]:  # warm-up: first calls fill caches and load lazy imports
        call(item)
    deadline = time.monotonic() + budget_s
    for _ in range(rounds):
        for item in items:
            start = clock()
            call(item)
            out.append((clock() - start) / 1e6)
        if time.monotonic() > deadline:
            break
    return out


def rss_mb() -> float:
    """Resident memory of this process now, in MB (MiB)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return peak_rss_mb()


def memory_map(pid: int | str = "self") -> dict[str, float]:
    """RSS of a process now, split (MB): "anonymous" (its heap) and "file" (mapped files,
    such as Sudachi's dictionary, which is mmapped: clean pages, shared and reclaimable)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    values = {k: int(v) / 1024 for k, v in re.findall(r"^(\w+):\s+(\d+) kB", text, re.M)}
    rss, anonymous = values.get("Rss", 0.0), values.get("Anonymous", 0.0)
    return {"rss": rss, "anonymous": anonymous, "file": rss - anonymous}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Finished:
    """A child process that ran to its end: wall time, peak memory, exit code."""

    wall_s: float
    peak_mb: float
    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""


def wait_child(proc: subprocess.Popen[Any], timeout: float | None = None) -> tuple[int, float]:
    """Reap `proc` with wait4: (exit code, peak RSS in MB of that very process).

    Popen.wait() would throw the rusage away; getrusage(RUSAGE_CHILDREN) mixes all children.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
        if pid == proc.pid:
            break
        if deadline is not None and time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout or 0.0)
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024


def run_measured(
    command: Sequence[str],
    env: dict[str, str],
    stdin: bytes = b"",
    timeout: float = 600.0,
) -> Finished:
    """Run a command to its end, timing it from just before start to just after exit.

    The wait is a blocking wait4 (no polling delay in the figure); a timer kills a child
    that outlives `timeout`, and the result then has returncode -9.
    """
    with _spooled(stdin) as fin, _spooled() as fout, _spooled() as ferr:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdin=fin, stdout=fout, stderr=ferr, env=env)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            code, peak = wait_child(proc)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - start
        fout.seek(0)
        ferr.seek(0)
        return Finished(wall, peak, code, fout.read(), ferr.read())


@contextlib.contextmanager
def _spooled(data: bytes | None = None) -> Iterator[IO[bytes]]:
    import tempfile

    with tempfile.TemporaryFile() as handle:
        if data is not None:
            handle.write(data)
            handle.seek(0)
        yield handle


def interview_bot_command() -> list[str]:
    """The installed `interview-bot` script beside this interpreter (what a user runs)."""
    script = Path(sys.executable).with_name("interview-bot")
    if script.exists():
        return [str(script)]
    found = shutil.which("interview-bot")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class Machine:
    cpu: str
    cores: int
    usable_cores: int
    memory_gb: float
    python: str
    system: str
    packages: dict[str, str] = field(default_factory=dict)
    commit: str = ""

    def lines(self) -> list[str]:
        pkgs = ", ".join(f"{k} {v}" for k, v in self.packages.items())
        return [
            f"CPU: {self.cpu}, {self.cores} logical cores ({self.usable_cores} usable)",
            f"Memory: {self.memory_gb:.1f} GiB",
            f"Python: {self.python}",
            f"System: {self.system}",
            f"Packages: {pkgs}",
            f"Code: {self.commit}",
        ]


def machine() -> Machine:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        info = Path("/proc/cpuinfo").read_text()
        if found := re.search(r"^model name\s*:\s*(.+)$", info, re.MULTILINE):
            cpu = found.group(1).strip()
    memory = 0.0
    with contextlib.suppress(OSError, AttributeError, ValueError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    packages = {
        name: version(name)
        for name in (
            "interview-bot",
            "rank-bm25",
            "bm25s",
            "numpy",
            "sudachipy",
            "sudachidict-core",
            "python-telegram-bot",
            "httpcore",
            "sniffio",
        )
    }
    node = shutil.which("node")
    if node:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            packages["node"] = subprocess.run(
                [node, "--version"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
    return Machine(
        cpu=cpu,
        cores=os.cpu_count() or 0,
        usable_cores=usable or (os.cpu_count() or 0),
        memory_gb=memory,
        python=f"{platform.python_implementation()} {platform.python_version()}",
        system=platform.platform(),
        packages=packages,
        commit=_commit(),
    )


def _commit() -> str:
    git = shutil.which("git")
    if not git:
        return "unknown"

    def run(*args: str) -> str:
        return subprocess.run(
            [git, "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()

    try:
        head = run("rev-parse", "--short", "HEAD")
        dirty = run("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def child_env(**changes: str | None) -> dict[str, str]:
    """This environment, with `changes` applied (None removes a variable), for a child
    Python that must import the benchmarks package and the project."""
    env = dict(os.environ)
    paths = [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class Row:
    """One line of the results table."""

    group: str
    figure: str
    sample: Sample | None = None
    target: str = ""
    met: bool | None = None  # None: no target, or not measured
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "figure": self.figure,
            "sample": self.sample.to_json() if self.sample else None,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


def within(sample: Sample, median: float | None = None, p99: float | None = None) -> bool | None:
    """Whether the sample meets `median <= …` and `p99 <= …` (None when it has no values)."""
    if not sample.values:
        return None
    ok = True
    if median is not None:
        ok = ok and sample.median <= median
    if p99 is not None:
        ok = ok and sample.p99 <= p99
    return ok
