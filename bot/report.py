"""`interview-bot report`: what the question logs (bot.questionlog) say, read as one: questions
and users per day, how they went, the questions declined or voted down most, the sections
shown; and the declined and voted-down questions exported as a question file to label."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.questionlog import OUTCOMES

TOP = 10  # questions listed in each "most often" list
# What a terminal would act on rather than show: C0 and C1 controls, DEL, the bidi embeddings,
# overrides and isolates, and the line and paragraph separators.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


class ReportError(Exception):
    """A log cannot be read (one line, for the command line)."""


@dataclass(frozen=True)
class Row:
    at: float
    text: str
    outcome: str
    sections: tuple[int, ...]
    user: str
    votes: tuple[int, ...] = ()  # 1 (👍) or -1 (👎), one per user who voted

    @property
    def disliked(self) -> bool:
        return self.votes.count(-1) > self.votes.count(1)


@dataclass(frozen=True)
class Read:
    rows: list[Row]  # oldest first
    skipped: int  # rows that could not be decoded (invalid UTF-8, JSON or types)


@dataclass
class Day:
    day: str
    users: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Report:
    logs: int
    questions: int
    users: int
    first: str  # the first and last day with a question ("" when there is none)
    last: str
    outcomes: dict[str, int]
    up: int
    down: int
    days: list[dict[str, object]]
    declined: list[tuple[str, int]]  # question (its most frequent wording), times asked
    disliked: list[tuple[str, int]]
    sections: dict[int, int]  # section → answers that showed it


def read(paths: list[Path], since: float = 0.0) -> Read:
    """Every question logged at or after `since` in the logs at `paths`, with the votes on
    it from any of them (a vote is in the log of the replica that took the press)."""
    found: list[tuple[str, float, str, str, tuple[int, ...], str]] = []
    votes: dict[str, dict[str, tuple[float, int]]] = {}  # answer → user → (at, vote)
    skipped = 0
    for path in paths:
        if not path.is_file():
            raise ReportError(f"no question log at {str(path)!r}")
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                connection.text_factory = bytes  # decoded here, row by row
                questions = connection.execute(
                    "SELECT id, at, text, outcome, sections, user, vote FROM questions"
                    " WHERE at >= ?",
                    (since,),
                ).fetchall()
                tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
                pressed = []
                if (b"votes",) in tables:
                    pressed = connection.execute(
                        "SELECT answer, user, vote, at FROM votes"
                    ).fetchall()
        except sqlite3.Error as exc:
            raise ReportError(f"{str(path)!r} is not a question log ({exc})") from None
        for ref, at, text, outcome, sections, user, vote in questions:
            try:  # (bytes as the bot writes them: anything else is an AttributeError)
                numbers = _sections(sections)
                item = (ref.decode(), float(at), text.decode(), outcome.decode(), numbers)
                found.append((*item, user.decode()))
            except (AttributeError, ValueError, TypeError):
                skipped += 1
                continue
            if vote in (1, -1):  # a log of schema 0, not yet upgraded: the asker's vote
                _keep(votes, found[-1][0], found[-1][5], float(at), vote)
        for answer, user, vote, at in pressed:
            with contextlib.suppress(AttributeError, ValueError, TypeError):
                _keep(votes, answer.decode(), user.decode(), float(at), vote)
    rows = [
        Row(at, text, outcome, numbers, user, _votes(votes.get(ref)))
        for ref, at, text, outcome, numbers, user in found
    ]
    return Read(sorted(rows, key=lambda r: r.at), skipped)


@functools.lru_cache(maxsize=4096)  # (a log holds few different lists of sections)
def _sections(data: bytes) -> tuple[int, ...]:
    return tuple(int(n) for n in json.loads(data.decode()))


def _keep(
    votes: dict[str, dict[str, tuple[float, int]]], answer: str, user: str, at: float, vote: int
) -> None:
    """A user's latest vote on an answer (two replicas may each hold one)."""
    if vote not in (1, -1):
        return
    kept = votes.setdefault(answer, {})
    if user not in kept or kept[user][0] <= at:
        kept[user] = (at, vote)


def _votes(kept: dict[str, tuple[float, int]] | None) -> tuple[int, ...]:
    return tuple(vote for _, vote in kept.values()) if kept else ()


def report(rows: list[Row], logs: int) -> Report:
    days: dict[str, Day] = {}
    declined: dict[str, Counter[str]] = defaultdict(Counter)
    disliked: dict[str, Counter[str]] = defaultdict(Counter)
    sections: Counter[int] = Counter()
    for row in rows:
        name = _day(int(row.at // 86_400))
        day = days.setdefault(name, Day(name))
        day.users.add(row.user)
        day.outcomes[row.outcome] += 1
        sections.update(row.sections)
        if row.outcome == "declined":
            declined[normalized(row.text)][row.text] += 1
        if row.disliked:
            disliked[normalized(row.text)][row.text] += 1
    outcomes = Counter(row.outcome for row in rows)
    return Report(
        logs=logs,
        questions=len(rows),
        users=len({row.user for row in rows}),
        first=min(days, default=""),
        last=max(days, default=""),
        outcomes={name: outcomes[name] for name in OUTCOMES},
        up=sum(row.votes.count(1) for row in rows),
        down=sum(row.votes.count(-1) for row in rows),
        days=[
            {"day": d.day, "questions": d.outcomes.total(), "users": len(d.users)}
            | {name: d.outcomes[name] for name in OUTCOMES}
            for d in sorted(days.values(), key=lambda d: d.day)
        ],
        declined=_most(declined),
        disliked=_most(disliked),
        sections=dict(sorted(sections.items())),
    )


@functools.lru_cache(maxsize=4096)
def _day(number: int) -> str:
    """The UTC date of day `number` since the epoch."""
    return datetime.fromtimestamp(number * 86_400, UTC).strftime("%Y-%m-%d")


def normalized(text: str) -> str:
    """A question's text as the report groups it: NFKC, lower case, no spaces or end marks."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s?!。、.,]+", "", folded)


def visible(text: str) -> str:
    """`text` safe to print: each control character as an escape (`\\x1b`, `\\r`, `\\u202e`)."""
    return CONTROLS.sub(lambda m: NAMED.get(m[0]) or _escape(m[0]), text)


def _escape(char: str) -> str:
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def safe_json(data: object) -> str:
    """JSON that reads back the same and prints safely: the control characters JSON leaves
    raw (C1, bidi, separators) written as \\uXXXX escapes, which JSON reads as they were."""
    return CONTROLS.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(data, ensure_ascii=False))


def _most(groups: dict[str, Counter[str]]) -> list[tuple[str, int]]:
    counted = [(wordings.most_common(1)[0][0], wordings.total()) for wordings in groups.values()]
    return sorted(counted, key=lambda item: (-item[1], item[0]))[:TOP]


def write_text(r: Report, out: TextIO) -> None:
    if not r.questions:
        out.write(f"no questions in {r.logs} log(s)\n")
        return
    total = r.questions
    out.write(
        f"{total} questions from {r.users} users in {r.logs} log(s), {r.first} to {r.last}\n"
        + "  ".join(f"{name} {n / total:.0%}" for name, n in r.outcomes.items())
        + f"  votes 👍 {r.up} 👎 {r.down}\n\n"
    )
    columns = ["day", "questions", "users", *OUTCOMES]
    out.write(f"{columns[0]:<10}" + "".join(f"{c:>11}" for c in columns[1:]) + "\n")
    for day in r.days:
        out.write(f"{day['day']:<10}" + "".join(f"{day[c]:>11}" for c in columns[1:]) + "\n")
    for heading, items in (("declined most often", r.declined), ("👎 most often", r.disliked)):
        if items:
            out.write(f"\n{heading}:\n")
            out.writelines(f"{count:>6}  {visible(text)}\n" for text, count in items)
    if r.sections:
        out.write("\nsections of the answers:\n")
        out.write("  ".join(f"§{n} {count}" for n, count in r.sections.items()) + "\n")


def write_json(r: Report, out: TextIO) -> None:
    data = asdict(r)
    data["declined"] = [{"question": q, "count": n} for q, n in r.declined]
    data["disliked"] = [{"question": q, "count": n} for q, n in r.disliked]
    out.write(safe_json(data) + "\n")


def export(rows: list[Row], out: TextIO) -> int:
    """The declined and voted-down questions, each wording once, as lines of the `eval` and
    memory format marked `"unlabelled": true` and with no sections (an empty list would say
    the article does not answer them): `eval` and `--memory` refuse them until a person adds
    "sections" and "evidence" (or a "kind") and drops the mark. How many it wrote."""
    chosen = dict.fromkeys(
        normalized(row.text) for row in rows if row.outcome == "declined" or row.disliked
    )
    texts = {normalized(row.text): row.text for row in rows}
    for number, key in enumerate(chosen, start=1):
        line = {"id": f"log-{number}", "question": texts[key], "unlabelled": True}
        out.write(safe_json(line) + "\n")
    return len(chosen)
