"""Retrieval figures on a question file: hit@1, hit@3, mrr, evidence@1, coverage, rejection.

A question with a "context" (earlier questions, oldest first) is answered as a follow-up in
that conversation, as the bot would answer it in a chat."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from index.followup import Context, follow_up
from index.search import Answer, Retriever


class QuestionFileError(ValueError):
    """A question file that cannot be read or parsed."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    sections: tuple[int, ...]
    evidence: tuple[str, ...]
    context: tuple[str, ...] = ()
    follow: str = ""  # a follow-up set's label of what the question is: more, topic or switch
    kind: str = ""  # what the message wants when it is not a question: chat, request, section
    section: int | None = None  # the section a "section" message asks for


@dataclass(frozen=True)
class Result:
    question: Question
    answer: Answer
    shown_before: tuple[str, ...] = ()  # passage ids the conversation had shown already
    kind: str = "standalone"  # how the question was read: standalone, more or topic
    section_done: int | None = None  # "more" found every passage of this section shown

    @property
    def sections(self) -> list[int]:
        return [hit.passage.section for hit in self.answer.hits[:10]]

    @property
    def kind_right(self) -> bool:
        """For a message labelled with a kind: the answer's kind (and section) are those."""
        q, a = self.question, self.answer
        return a.kind == q.kind and (q.kind != "section" or a.section == q.section)

    @property
    def correct(self) -> bool:
        if self.question.kind:
            return self.kind_right
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
    # Best hit in a gold section and not shown earlier in the conversation (for "more" follow-
    # ups: the next passages; without context, the same as hit1).
    unseen1: float
    lead1: float = 0.0  # an evidence phrase in the answer's lead (answerable questions)
    high: float = 0.0  # unanswerable questions answered with confidence high
    sure_right: float = 1.0  # of the answers given with confidence high, first section right
    other_kind: float = 0.0  # questions about the article taken for another kind of message
    kinds: dict[str, float] = field(default_factory=dict)  # kind → share right (labelled lines)


def load_questions(path: str | Path) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise QuestionFileError(f"cannot read question file {str(path)!r}: {why}") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row.get("unlabelled"):
                raise ValueError('not labelled yet: add "sections" and "evidence", or a "kind"')
            questions.append(
                Question(
                    id=str(row.get("id", number)),
                    question=str(row["question"]),
                    sections=tuple(int(s) for s in row.get("sections", ())),
                    evidence=tuple(str(e) for e in row.get("evidence", ())),
                    context=tuple(str(c) for c in row.get("context", ())),
                    follow=str(row.get("follow", "")),
                    kind=str(row.get("kind") or ""),
                    section=int(row["section"]) if row.get("section") is not None else None,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QuestionFileError(f"{path}:{number}: not a question line ({exc})") from None
    if not questions:
        raise QuestionFileError(f"question file {str(path)!r} holds no questions")
    return questions


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def run(questions: Iterable[Question], retriever: Retriever, source: str = "") -> list[Result]:
    """Each question answered as the CLI answers it (10 hits, for mrr); one with a context
    after its earlier questions, as the bot answers follow-ups. The memory of labelled messages
    is read without the set `source` (the file's name, its writer) and without these very
    questions, so that no figure matches a question to itself."""
    questions = list(questions)
    retriever = retriever.leave_out({source}, [q.question for q in questions])
    results = []
    for q in questions:
        context: Context | None = None
        for earlier in q.context:
            context = follow_up(retriever, earlier, context, k=10).context or context
        reply = follow_up(retriever, q.question, context, k=10)
        shown = context.shown if context else ()
        results.append(Result(q, reply.answer, shown, reply.kind.value, reply.section_done))
    return results


def figures(results: list[Result]) -> Figures:
    labelled = [r for r in results if r.question.kind]
    questions = [r for r in results if not r.question.kind]
    answerable = [r for r in questions if r.question.sections]
    unanswerable = [r for r in questions if not r.question.sections]
    hit1 = hit3 = evidence = covered = unseen = lead = 0
    reciprocal = 0.0
    for r in answerable:
        if not r.answer.answered:
            continue
        covered += 1
        lead += any(_nfkc(e) in _nfkc(r.answer.lead) for e in r.question.evidence)
        ranks = [i for i, s in enumerate(r.sections) if s in r.question.sections]
        if ranks:
            reciprocal += 1 / (ranks[0] + 1)
            hit1 += ranks[0] == 0
            hit3 += ranks[0] < 3
            unseen += ranks[0] == 0 and r.answer.hits[0].passage.id not in r.shown_before
        best = r.answer.hits[0].passage.text if r.answer.hits else ""
        evidence += any(_nfkc(e) in _nfkc(best) for e in r.question.evidence)
    rejected = sum(not r.answer.answered for r in unanswerable)
    n = len(answerable) or 1
    sure = [r for r in questions if r.answer.answered and r.answer.confidence == "high"]
    kinds: dict[str, list[int]] = {}
    for r in labelled:
        right = kinds.setdefault(r.question.kind, [0, 0])
        right[0] += r.kind_right
        right[1] += 1
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
        unseen1=unseen / n,
        lead1=lead / n,
        high=sum(not r.question.sections for r in sure) / len(unanswerable)
        if unanswerable
        else 0.0,
        sure_right=sum(r.correct for r in sure) / len(sure) if sure else 1.0,
        other_kind=(
            sum(r.answer.kind not in ("answer", "declined") for r in questions) / len(questions)
            if questions
            else 0.0
        ),
        kinds={kind: right / total for kind, (right, total) in sorted(kinds.items())},
    )


def follow_up_figures(results: list[Result], retriever: Retriever) -> dict[str, float]:
    """A follow-up set's figures by the kind its questions are labelled with:
    - more: the reply shows passages of the right section not shown before, or says that
      section has no more;
    - topic: hit@1 (the question borrowed its topic from the conversation);
    - switch: the best hit is the one the question gets without any context."""
    judges: dict[str, Callable[[Result], bool]] = {
        "more": _more_ok,
        "topic": lambda r: r.correct,
        "switch": lambda r: _first(r.answer) == _first(retriever.search(r.question.question)),
    }
    out: dict[str, float] = {}
    for kind, judge in judges.items():
        rows = [r for r in results if r.question.follow == kind]
        if rows:
            out[kind] = sum(map(judge, rows)) / len(rows)
    return out


def _more_ok(r: Result) -> bool:
    if r.section_done is not None:
        return r.section_done in r.question.sections
    hits = r.answer.hits
    return (
        bool(hits)
        and hits[0].passage.section in r.question.sections
        and (hits[0].passage.id not in r.shown_before)
    )


def _first(answer: Answer) -> str | None:
    return answer.hits[0].passage.id if answer.answered and answer.hits else None
