"""A memory of labelled messages: questions (and other messages) a person has labelled with
the sections that answer them, or as not answered, or as another kind of message (chat, a
request, a section asked for), read as the nearest neighbours of a new message.

Neighbours are found question to question by the encoder's question vectors (the vector the
message has anyway, so no second encoder call): the k nearest vote, weighted by
softmax(cosine / temperature), for sections, for "the article answers this", for a kind of
message, and with their evidence phrases for the sentence that answers in short (the lead).
"""

from __future__ import annotations

import functools
import json
import math
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.kinds import KINDS

if TYPE_CHECKING:
    import numpy as np

    from index.embed import Vectors

NEIGHBOURS = 5  # that vote for sections, answering and kinds
TEMPERATURE = 0.02
LEAD_NEIGHBOURS = 10  # whose evidence phrases find the lead
LEAD_TEMPERATURE = 0.01


class MemoryFileError(ValueError):
    """A memory file that cannot be read, or a line of it that is not a labelled message."""


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    question: str
    sections: tuple[int, ...]  # that answer it (empty: the article does not, or another kind)
    evidence: tuple[str, ...]  # phrases of the article that answer it
    kind: str = ""  # "" (a question about the article) or one of KINDS
    section: int | None = None  # for a kind "section": the section asked for
    source: str = ""  # the set it comes from (its writer), left out when that set is scored

    @functools.cached_property
    def folded_evidence(self) -> tuple[str, ...]:
        return tuple(f for f in map(fold, self.evidence) if f)


@dataclass(frozen=True)
class Recall:
    """What the nearest examples say about one message."""

    sections: dict[int, float]  # section → the weight of the neighbours it answers
    answerable: float  # the weighted share of neighbours that the article answers
    kinds: dict[str, float]  # kind ("" a question) → weighted share of the neighbours
    # Evidence phrase (folded) → weight: what the nearest labelled questions point to.
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Memory:
    examples: tuple[Example, ...]
    vectors: Vectors  # one unit row per example, of what retrieval reads of its question
    active: np.ndarray | None = None  # the rows that vote (None: all of them)

    def __post_init__(self) -> None:
        import numpy as np  # (numpy is not imported to read a memory file's lines)

        if self.active is None:
            object.__setattr__(self, "active", np.ones(len(self.examples), bool))

    @property
    def rows(self) -> np.ndarray:
        assert self.active is not None
        return self.active

    @functools.cached_property
    def everyone(self) -> bool:
        """Whether every example votes (nothing left out)."""
        return bool(self.rows.all())

    @functools.cached_property
    def size(self) -> int:
        """How many examples vote."""
        return int(self.rows.sum())

    def __len__(self) -> int:
        return self.size

    def without(self, sources: Collection[str] = (), questions: Collection[str] = ()) -> Memory:
        """The memory with the examples of `sources` (sets) and of `questions` (their text,
        folded) left out: a set is scored against what the others taught, never itself."""
        import numpy as np

        folded = {fold(q) for q in questions}
        keep = np.array(
            [e.source not in sources and fold(e.question) not in folded for e in self.examples],
            bool,
        )
        return Memory(self.examples, self.vectors, self.rows & keep)

    def recall(self, vector: Vectors) -> Recall | None:
        """What the nearest examples say about the message whose vector is `vector`; None when
        the memory holds none."""
        import numpy as np

        if not self.size:
            return None
        cosines = self.vectors @ vector
        if not self.everyone:
            cosines[~self.rows] = -2.0
        count = min(LEAD_NEIGHBOURS, self.size)
        nearest = np.argpartition(cosines, -count)[-count:] if count < len(cosines) else None
        rows = nearest.tolist() if nearest is not None else list(range(len(cosines)))
        # The nearest first (ties by row, as a stable sort of the whole would order them).
        near = sorted(zip(cosines[rows].tolist(), rows, strict=True), key=lambda c: (-c[0], c[1]))
        sections: dict[int, float] = {}
        kinds: dict[str, float] = {}
        answerable = 0.0
        top = near[:NEIGHBOURS]
        for (_, i), w in zip(top, _softmax([c for c, _ in top], TEMPERATURE), strict=True):
            example = self.examples[i]
            kinds[example.kind] = kinds.get(example.kind, 0.0) + w
            if example.sections:
                answerable += w
                for s in example.sections:
                    sections[s] = sections.get(s, 0.0) + w
        evidence: dict[str, float] = {}
        for (_, i), w in zip(near, _softmax([c for c, _ in near], LEAD_TEMPERATURE), strict=True):
            for phrase in self.examples[i].folded_evidence:
                evidence[phrase] = evidence.get(phrase, 0.0) + w
        return Recall(sections, answerable, kinds, evidence)


def _softmax(values: list[float], temperature: float) -> list[float]:
    best = max(values, default=0.0)
    weights = [math.exp((v - best) / temperature) for v in values]
    total = sum(weights)
    return [w / total for w in weights]


def fold(text: str) -> str:
    """A message's text as compared: NFKC, lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def load_examples(path: str | Path, source: str | None = None) -> list[Example]:
    """The labelled messages of a JSON Lines file (the question file format of `eval`, one
    object a line); a line that is not one is a MemoryFileError naming the file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise MemoryFileError(f"cannot read memory file {str(path)!r}: {why}") from None
    out = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                out.append(example(json.loads(line), source or path.stem))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise MemoryFileError(f"{path}:{number}: not a labelled message ({exc})") from None
    return out


def example(row: dict[str, object], source: str) -> Example:
    """One labelled message from its JSON object; ValueError when it is not labelled."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    question = row["question"]
    if not isinstance(question, str) or not question.strip():
        raise ValueError("no question")
    if row.get("unlabelled") or "sections" not in row:
        raise ValueError('not labelled yet (no "sections")')
    kind = str(row.get("kind") or "")
    if kind and kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    sections = tuple(_int(s) for s in _list(row["sections"]))
    evidence = tuple(str(e) for e in _list(row.get("evidence", [])))
    section = row.get("section")
    if kind == "section" and not isinstance(section, int):
        raise ValueError('a section ask needs "section": N')
    if kind and sections:
        raise ValueError(f"a {kind} line has no sections")
    return Example(
        question.strip(),
        sections,
        evidence,
        kind,
        section if kind == "section" and isinstance(section, int) else None,
        str(row.get("source") or source),
    )


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"section {value!r} is not a number")
    return value


def _list(value: object) -> Iterable[object]:
    if not isinstance(value, list):
        raise ValueError("sections and evidence are lists")
    return value
