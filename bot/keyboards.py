"""Inline keyboards. Every button carries all it needs in its callback_data (1-64 bytes), so
that any replica of the bot can answer a press: no state lives in one process's memory.

callback_data:
  s:N:P      send page P of section N as a new message
  n:N:P      show page P of section N in place of the message (◀ ▶ browsing)
  l          the list of sections, as a new message
  m:ID,ID…   more candidate passages for a question, as a new message
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from index.article import Article
from index.search import Answer

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Press:
    """A button's callback_data, read back: `kind` is "s", "n", "l", "m", or "" if unknown."""

    kind: str
    section: int | None = None
    page: int | None = None
    passage_ids: tuple[str, ...] = ()


def parse(data: str | None) -> Press:
    """Read callback_data written by the keyboards below (anything else is kind "")."""
    kind, _, rest = (data or "").partition(":")
    if kind in ("s", "n"):
        number, _, page = rest.partition(":")
        return Press(
            kind,
            section=int(number) if number.isdigit() else None,
            page=int(page) if page.isdigit() else None,
        )
    if kind == "l":
        return Press(kind)
    if kind == "m":
        return Press(kind, passage_ids=tuple(rest.split(",")))
    return Press("")


def answer_keyboard(answer: Answer, shown: int) -> InlineKeyboardMarkup | None:
    if not answer.answered:
        return None
    best = answer.hits[0].passage.section
    row = [InlineKeyboardButton(f"§{best} を全文で読む", callback_data=f"s:{best}:0")]
    more = more_data([hit.passage.id for hit in answer.hits[shown:]])
    if more:
        row.append(InlineKeyboardButton("ほかの候補", callback_data=more))
    return InlineKeyboardMarkup([row])


def more_data(passage_ids: list[str]) -> str | None:
    """`m:` and as many passage ids as fit in 64 bytes; None when there are none."""
    data = "m:"
    for pid in passage_ids:
        candidate = f"{data},{pid}" if data != "m:" else f"{data}{pid}"
        if len(candidate.encode()) > MAX_CALLBACK_BYTES:
            break
        data = candidate
    return data if data != "m:" else None


def section_keyboard(article: Article, number: int, page: int, pages: int) -> InlineKeyboardMarkup:
    """◀ ▶ through the pages and on into the neighbouring sections, and the list."""
    numbers = [s.number for s in article.sections]
    at = numbers.index(number)
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀", callback_data=f"n:{number}:{page - 1}"))
    elif at > 0:
        row.append(
            InlineKeyboardButton(f"◀ §{numbers[at - 1]}", callback_data=f"n:{numbers[at - 1]}:0")
        )
    row.append(InlineKeyboardButton("章の一覧", callback_data="l"))
    if page + 1 < pages:
        row.append(InlineKeyboardButton("▶", callback_data=f"n:{number}:{page + 1}"))
    elif at + 1 < len(numbers):
        row.append(
            InlineKeyboardButton(f"§{numbers[at + 1]} ▶", callback_data=f"n:{numbers[at + 1]}:0")
        )
    return InlineKeyboardMarkup([row])


def sections_keyboard(article: Article) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _short(f"§{s.number} {s.title}"), callback_data=f"s:{s.number}:0"
                )
            ]
            for s in article.sections
        ]
    )


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
