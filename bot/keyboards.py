"""Inline keyboards. Every button carries all it needs in its callback_data (1-64 bytes), so
that any replica of the bot can answer a press: no state lives in one process's memory.

callback_data:
  s:N:P      send page P of section N as a new message
  n:N:P      show page P of section N in place of the message (◀ ▶ browsing)
  l          the list of sections, as a new message
  m:ID,…|ID,… the passages an answer showed, then its further candidates: the button sends
             the candidates as a new message; a reply to the answer reads the shown ones
             as its context (old buttons without "|" carry candidates only)
  v:+:REF    👍 (v:-:REF 👎) on the answer the question log keeps as REF (log on only; REF is
             signed, QuestionLog.ref, so any replica can check it without reading a file)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import messages
from bot.messages import MORE_CANDIDATES, READ_SECTION, label, said
from index.article import Article, Passage
from index.search import Answer
from index.text import shorten

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Press:
    """A button's callback_data, read back: `kind` is "s", "n", "l", "m", or "" if unknown."""

    kind: str
    section: int | None = None
    vote: int = 0  # of "v": 1 or -1
    ref: str = ""  # of "v": the answer's id in the question log
    page: int | None = None
    passage_ids: tuple[str, ...] = ()  # candidates of "m"
    shown: tuple[str, ...] = ()  # passages the answer showed, for "m"


def parse(data: str | None) -> Press:
    """Read callback_data written by the keyboards below (anything else is kind "")."""
    kind, _, rest = (data or "").partition(":")
    if kind in ("s", "n"):
        number, _, page = rest.partition(":")
        return Press(kind, section=_number(number), page=_number(page))
    if kind == "l":
        return Press(kind)
    if kind == "m":
        shown, _, candidates = rest.rpartition("|")
        return Press(kind, passage_ids=_ids(candidates), shown=_ids(shown))
    sign, _, ref = rest.partition(":")
    if kind == "v" and sign in ("+", "-") and ref.isalnum():
        return Press(kind, vote=1 if sign == "+" else -1, ref=ref)
    return Press("")


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _ids(text: str) -> tuple[str, ...]:
    return tuple(pid for pid in text.split(",") if pid)


def answer_keyboard(
    answer: Answer, shown: int, seen: tuple[str, ...] | None = None, ref: str | None = None
) -> InlineKeyboardMarkup | None:
    """The whole best section (for an unsure answer, each section it shows), and the further
    candidates. The latter's data also lists the passages seen (`seen`: the conversation's so
    far; by default the hits shown), which a reply to the answer reads as its context."""
    if not answer.answered:
        return None
    shown = answer.shown(shown)
    offered = answer.hits[:shown] if answer.confidence == "low" else answer.hits[:1]
    numbers = dict.fromkeys(hit.passage.section for hit in offered)
    read = said(READ_SECTION, answer.language)
    row = [InlineKeyboardButton(read.format(number=n), callback_data=f"s:{n}:0") for n in numbers]
    ids = [hit.passage.id for hit in answer.hits]
    seen_ids = list(seen) if seen is not None else ids[:shown]
    more = said(MORE_CANDIDATES, answer.language)
    row.append(InlineKeyboardButton(more, callback_data=more_data(seen_ids, ids[shown:])))
    if ref is None:  # the question log keeps nothing to vote on
        return InlineKeyboardMarkup([row])
    votes = [InlineKeyboardButton(t, callback_data=f"v:{s}:{ref}") for t, s in messages.VOTES]
    return InlineKeyboardMarkup([row, votes])


def read_keyboard(passages: Sequence[Passage], language: str) -> InlineKeyboardMarkup:
    """A button to read each of the passages' sections, in full."""
    read = said(READ_SECTION, language)
    numbers = dict.fromkeys(p.section for p in passages)
    buttons = [
        InlineKeyboardButton(read.format(number=n), callback_data=f"s:{n}:0") for n in numbers
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def more_data(shown: list[str], candidates: list[str]) -> str:
    """`m:` the shown passages (the latest, when not all fit) `|` as many candidates as fit in
    64 bytes."""
    while len(f"m:{','.join(shown)}|".encode()) > MAX_CALLBACK_BYTES - 8:
        shown = shown[1:]
    data = f"m:{','.join(shown)}|"
    for pid in candidates:
        longer = f"{data},{pid}" if not data.endswith("|") else f"{data}{pid}"
        if len(longer.encode()) > MAX_CALLBACK_BYTES:
            break
        data = longer
    return data


def next_section_keyboard(article: Article, number: int) -> InlineKeyboardMarkup | None:
    """After the last passage of section `number`: a button to the next section."""
    after = article.section_after(number)
    if after is None:
        return None
    text = messages.READ_NEXT.format(label=label(after.number))
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=f"s:{after.number}:0")]])


def section_keyboard(article: Article, number: int, page: int, pages: int) -> InlineKeyboardMarkup:
    """◀ ▶ through the pages and on into the neighbouring sections, and the list."""
    numbers = [s.number for s in article.sections]
    at = numbers.index(number)
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀", callback_data=f"n:{number}:{page - 1}"))
    elif at > 0:
        before = numbers[at - 1]
        row.append(InlineKeyboardButton(f"◀ {label(before)}", callback_data=f"n:{before}:0"))
    row.append(InlineKeyboardButton(messages.SECTIONS, callback_data="l"))
    if page + 1 < pages:
        row.append(InlineKeyboardButton("▶", callback_data=f"n:{number}:{page + 1}"))
    elif at + 1 < len(numbers):
        after = numbers[at + 1]
        row.append(InlineKeyboardButton(f"{label(after)} ▶", callback_data=f"n:{after}:0"))
    return InlineKeyboardMarkup([row])


def sections_keyboard(article: Article) -> InlineKeyboardMarkup:
    """A button for each section, one a row."""
    rows = []
    for section in article.sections:
        text = shorten(label(section.number, section.title), 32)
        rows.append([InlineKeyboardButton(text, callback_data=f"s:{section.number}:0")])
    return InlineKeyboardMarkup(rows)
