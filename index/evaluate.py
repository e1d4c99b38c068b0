"""Retrieval figures on a question file: hit@1, hit@3, mrr, evidence@1, coverage, rejection."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from index.search import Answer, Retriever


class QuestionFileError(ValueError):
    """A question file that cannot be read or parsed."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    sections: tuple[int, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    question: Question
    answer: Answer

    @property
    def sections(self) -> list[int]:
        return [hit.passage.section for hit in self.answer.hits[:10]]

    @property
    def correct(self) -> bool:
        if not self.question.sections:
            return not self.answer.answered
        top = self.sections[:1]
        return self.answer.answered and bool(top) and top[0] in self.question.sections


@dataclass(frozen=True)
class Figures:
    questions: int
    answerable: int
    unanswerable: int
    hit1: float
    hit3: float
    mrr: float
    evidence1: float
    coverage: float
    rejection: float


def load_questions(path: str | Path) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"cannot read question file {str(path)!r}: {exc}") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    id=str(row.get("id", number)),
                    question=str(row["question"]),
                    sections=tuple(int(s) for s in row.get("sections", ())),
                    evidence=tuple(str(e) for e in row.get("evidence", ())),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionFileError(f"{path}:{number}: not a question line ({exc})") from None
    if not questions:
        raise QuestionFileError(f"question file {str(path)!r} holds no questions")
    return questions


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def run(questions: Iterable[Question], retriever: Retriever) -> list[Result]:
    """Each question answered as the CLI answers it (10 hits, for mrr)."""
    return [Result(question=q, answer=retriever.search(q.question, k=10)) for q in questions]


def figures(results: list[Result]) -> Figures:
    answerable = [r for r in results if r.question.sections]
    unanswerable = [r for r in results if not r.question.sections]
    hit1 = hit3 = evidence = covered = 0
    reciprocal = 0.0
    for r in answerable:
        if not r.answer.answered:
            continue
        covered += 1
        gold = r.question.sections
        ranks = [i for i, s in enumerate(r.sections) if s in gold]
        if ranks:
            reciprocal += 1 / (ranks[0] + 1)
            hit1 += ranks[0] == 0
            hit3 += ranks[0] < 3
        best = r.answer.hits[0].passage.text if r.answer.hits else ""
        evidence += any(_nfkc(e) in _nfkc(best) for e in r.question.evidence)
    rejected = sum(not r.answer.answered for r in unanswerable)
    n = len(answerable) or 1
    return Figures(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        hit1=hit1 / n,
        hit3=hit3 / n,
        mrr=reciprocal / n,
        evidence1=evidence / n,
        coverage=covered / n,
        rejection=rejected / len(unanswerable) if unanswerable else 1.0,
    )
