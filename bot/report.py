"""`interview-bot report`: what the question logs (bot.questionlog) say, read as one: questions
and users per day, how they went, the questions declined or voted down most, the sections
shown; and the declined and voted-down questions exported as a question file to label."""

from __future__ import annotations

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


class ReportError(Exception):
    """A log cannot be read (one line, for the command line)."""


@dataclass(frozen=True)
class Row:
    at: float
    text: str
    outcome: str
    sections: tuple[int, ...]
    user: str
    vote: int | None


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


def read(paths: list[Path], since: float = 0.0) -> list[Row]:
    """Every question logged at or after `since` in the logs at `paths`, oldest first."""
    rows: list[Row] = []
    for path in paths:
        if not path.is_file():
            raise ReportError(f"no question log at {str(path)!r}")
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                found = connection.execute(
                    "SELECT at, text, outcome, sections, user, vote FROM questions WHERE at >= ?",
                    (since,),
                ).fetchall()
            for at, text, outcome, sections, user, vote in found:
                numbers = tuple(int(n) for n in json.loads(sections))
                rows.append(Row(float(at), str(text), str(outcome), numbers, str(user), vote))
        except (sqlite3.Error, ValueError, TypeError) as exc:
            raise ReportError(f"{str(path)!r} is not a question log ({exc})") from None
    return sorted(rows, key=lambda r: r.at)


def report(rows: list[Row], logs: int) -> Report:
    days: dict[str, Day] = {}
    declined: dict[str, Counter[str]] = defaultdict(Counter)
    disliked: dict[str, Counter[str]] = defaultdict(Counter)
    sections: Counter[int] = Counter()
    for row in rows:
        name = datetime.fromtimestamp(row.at, UTC).strftime("%Y-%m-%d")
        day = days.setdefault(name, Day(name))
        day.users.add(row.user)
        day.outcomes[row.outcome] += 1
        sections.update(row.sections)
        if row.outcome == "declined":
            declined[normalized(row.text)][row.text] += 1
        if row.vote == -1:
            disliked[normalized(row.text)][row.text] += 1
    outcomes = Counter(row.outcome for row in rows)
    return Report(
        logs=logs,
        questions=len(rows),
        users=len({row.user for row in rows}),
        first=min(days, default=""),
        last=max(days, default=""),
        outcomes={name: outcomes[name] for name in OUTCOMES},
        up=sum(row.vote == 1 for row in rows),
        down=sum(row.vote == -1 for row in rows),
        days=[
            {"day": d.day, "questions": d.outcomes.total(), "users": len(d.users)}
            | {name: d.outcomes[name] for name in OUTCOMES}
            for d in sorted(days.values(), key=lambda d: d.day)
        ],
        declined=_most(declined),
        disliked=_most(disliked),
        sections=dict(sorted(sections.items())),
    )


def normalized(text: str) -> str:
    """A question's text as the report groups it: NFKC, lower case, no spaces or end marks."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s?!。、.,]+", "", folded)


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
            out.writelines(f"{count:>6}  {text}\n" for text, count in items)
    if r.sections:
        out.write("\nsections of the answers:\n")
        out.write("  ".join(f"§{n} {count}" for n, count in r.sections.items()) + "\n")


def write_json(r: Report, out: TextIO) -> None:
    data = asdict(r)
    data["declined"] = [{"question": q, "count": n} for q, n in r.declined]
    data["disliked"] = [{"question": q, "count": n} for q, n in r.disliked]
    out.write(json.dumps(data, ensure_ascii=False) + "\n")


def export(rows: list[Row], out: TextIO) -> int:
    """The declined and voted-down questions, each wording once, as a question file of the
    `eval` format with no sections yet (to be labelled). How many it wrote."""
    chosen = dict.fromkeys(
        normalized(row.text) for row in rows if row.outcome == "declined" or row.vote == -1
    )
    texts = {normalized(row.text): row.text for row in rows}
    for number, key in enumerate(chosen, start=1):
        line = {"id": f"log-{number}", "question": texts[key], "sections": [], "evidence": []}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(chosen)
