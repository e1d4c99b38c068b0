"""A memory of labelled messages: questions (and other messages) a person has labelled with
the sections that answer them, or as not answered, or as another kind of message (chat, a
request, a section asked for), read as the nearest neighbours of a new message.

Neighbours are found question to question by the encoder's question vectors (the vector the
message has anyway, so no second encoder call). Among the nearest by cosine, the k that vote
are those nearest by cosine plus the share of the message's words they hold (words weighted by
how rare they are among the memory's messages in its language): short questions of one frame
("what does he say about …") are near each other by cosine whatever they ask about, and their
words tell the topic. They vote, weighted by softmax(score / temperature), for sections, for
"the article answers this" and for a kind of message; the nearest by cosine alone, with their
evidence phrases, for the sentence that answers in short (the lead).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.kinds import KINDS
from index.text import language

if TYPE_CHECKING:
    import numpy as np

    from index.embed import Vectors

NEIGHBOURS = 5  # that vote for sections, answering and kinds
TEMPERATURE = 0.02
LEAD_NEIGHBOURS = 10  # whose evidence phrases find the lead
LEAD_TEMPERATURE = 0.01
NEAREST = 20  # by cosine, among which the voters are chosen with their words (20 to 50 alike)
# Weight of the share of the message's words a neighbour holds, beside the cosine: chosen by
# leave one writer out among 0 to 0.7 (scripts/calibrate.py --memory --words-weight W).
WORDS_WEIGHT = 0.12


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

    @functools.cached_property
    def words(self) -> frozenset[str]:
        return words(self.question)

    @functools.cached_property
    def language(self) -> str:
        return language(self.question)


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

    @functools.cached_property
    def _frequencies(self) -> dict[str, tuple[int, Counter[str]]]:
        """Language → how many examples vote in it, and in how many of them each word is."""
        out: dict[str, tuple[int, Counter[str]]] = {}
        for example, votes in zip(self.examples, self.rows.tolist(), strict=True):
            if votes:
                count, frequency = out.get(example.language, (0, Counter()))
                frequency.update(example.words)
                out[example.language] = (count + 1, frequency)
        return out

    def _held(self, text: str, rows: list[int]) -> list[float]:
        """The share of `text`'s words (by their rarity in its language) each row holds."""
        said = words(text)
        count, frequency = self._frequencies.get(language(text), (0, Counter()))
        weight = {w: math.log((count + 1) / (frequency[w] + 0.5)) for w in said}
        mass = sum(weight.values())
        if mass <= 0:
            return [0.0] * len(rows)
        return [sum(weight[w] for w in said & self.examples[i].words) / mass for i in rows]

    def recall(self, vector: Vectors, text: str = "") -> Recall | None:
        """What the nearest examples say about the message `text` whose vector is `vector`;
        None when the memory holds none."""
        import numpy as np

        if not self.size:
            return None
        cosines = self.vectors @ vector
        if not self.everyone:
            cosines[~self.rows] = -2.0
        count = min(NEAREST, self.size)
        nearest = np.argpartition(cosines, -count)[-count:] if count < len(cosines) else None
        rows = nearest.tolist() if nearest is not None else list(range(len(cosines)))
        # The nearest first (ties by row, as a stable sort of the whole would order them).
        near = sorted(zip(cosines[rows].tolist(), rows, strict=True), key=lambda c: (-c[0], c[1]))
        held = self._held(text, [i for _, i in near]) if text else [0.0] * len(near)
        scored = [(c + WORDS_WEIGHT * h, i) for (c, i), h in zip(near, held, strict=True)]
        top = sorted(scored, key=lambda c: (-c[0], c[1]))[:NEIGHBOURS]
        sections: dict[int, float] = {}
        kinds: dict[str, float] = {}
        answerable = 0.0
        for (_, i), w in zip(top, _softmax([c for c, _ in top], TEMPERATURE), strict=True):
            example = self.examples[i]
            kinds[example.kind] = kinds.get(example.kind, 0.0) + w
            if example.sections:
                answerable += w
                for s in example.sections:
                    sections[s] = sections.get(s, 0.0) + w
        evidence: dict[str, float] = {}
        lead = near[:LEAD_NEIGHBOURS]
        for (_, i), w in zip(lead, _softmax([c for c, _ in lead], LEAD_TEMPERATURE), strict=True):
            for phrase in self.examples[i].folded_evidence:
                evidence[phrase] = evidence.get(phrase, 0.0) + w
        return Recall(sections, answerable, kinds, evidence)


def _softmax(values: list[float], temperature: float) -> list[float]:
    best = max(values, default=0.0)
    weights = [math.exp((v - best) / temperature) for v in values]
    total = sum(weights)
    return [w / total for w in weights]


def words(text: str) -> frozenset[str]:
    """A message's words as the memory compares them: Latin words and numbers, and pairs of
    letters in a run of other letters (kana, kanji, hanzi: no segmenter for four languages)."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = set(re.findall(r"[a-z0-9]+", text))
    for run in re.findall(r"[^\W\d_a-z]+", text):
        out.update([run] if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
    return frozenset(out)


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
