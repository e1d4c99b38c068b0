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
  q:I        ask example question I of the message's language (messages.examples)
  g:LANG     /language: speak LANG from now on (ja, en, zh-hans, zh-hant)
Any of them may end in a language tag (`~e`, `~s`, `~t`: bot.language): the language of the
message the button sits under, which its answer is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import messages
from bot.language import MAX_CALLBACK_BYTES, tag, untag
from bot.messages import MORE_CANDIDATES, READ_SECTION, label, said
from index.article import Article, Passage
from index.search import Answer
from index.text import LANGUAGES, shorten
from index.translations import NO_TRANSLATIONS, Translations


@dataclass(frozen=True)
class Press:
    """A button's callback_data, read back: `kind` is "s", "n", "l", "m", "v", "q", "g", or
    "" if unknown; `language` is its tag's (None: none)."""

    kind: str
    language: str | None = None
    index: int | None = None  # of "q": the example question's
    chosen: str = ""  # of "g": the language chosen
    section: int | None = None
    vote: int = 0  # of "v": 1 or -1
    ref: str = ""  # of "v": the answer's id in the question log
    page: int | None = None
    passage_ids: tuple[str, ...] = ()  # candidates of "m"
    shown: tuple[str, ...] = ()  # passages the answer showed, for "m"


def parse(data: str | None) -> Press:
    """Read callback_data written by the keyboards below (anything else is kind "")."""
    data, language = untag(data)
    kind, _, rest = data.partition(":")
    if kind in ("s", "n"):
        number, _, page = rest.partition(":")
        return Press(kind, language, section=_number(number), page=_number(page))
    if kind == "l":
        return Press(kind, language)
    if kind == "m":
        shown, _, candidates = rest.rpartition("|")
        return Press(kind, language, passage_ids=_ids(candidates), shown=_ids(shown))
    if kind == "q" and (index := _number(rest)) is not None:
        return Press(kind, language, index=index)
    if kind == "g" and rest in LANGUAGES:
        return Press(kind, language, chosen=rest)
    sign, _, ref = rest.partition(":")
    if kind == "v" and sign in ("+", "-") and ref.isalnum():
        return Press(kind, language, vote=1 if sign == "+" else -1, ref=ref)
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


def tagged(markup: InlineKeyboardMarkup | None, language: str) -> InlineKeyboardMarkup | None:
    """`markup` with the tag of `language` on every button's callback_data that has room."""
    if markup is None or language not in LANGUAGES or language == "ja":
        return markup
    rows = [
        [
            InlineKeyboardButton(b.text, callback_data=tag(b.callback_data, language))
            if isinstance(b.callback_data, str)
            else b
            for b in row
        ]
        for row in markup.inline_keyboard
    ]
    return InlineKeyboardMarkup(rows)


def language_of(markup: InlineKeyboardMarkup | None) -> str | None:
    """The language of a message, from its buttons: the first tag found, Japanese when it has
    buttons with data and none is tagged, None when it has no such buttons."""
    datas = [
        b.callback_data
        for row in (markup.inline_keyboard if markup else ())
        for b in row
        if isinstance(b.callback_data, str)
    ]
    for data in datas:
        if (language := untag(data)[1]) is not None:
            return language
    return "ja" if datas else None


def next_section_keyboard(
    article: Article, number: int, language: str = "ja"
) -> InlineKeyboardMarkup:
    """Where to go once "more" has shown everything: the section after section `number`
    (if any), and the list."""
    after = article.section_after(number)
    row = [InlineKeyboardButton(said(messages.SECTIONS, language), callback_data="l")]
    if after is not None:
        text = said(messages.READ_NEXT, language).format(label=label(after.number))
        row.insert(0, InlineKeyboardButton(text, callback_data=f"s:{after.number}:0"))
    markup = tagged(InlineKeyboardMarkup([row]), language)
    assert markup is not None
    return markup


def deep_link(username: str, payload: str) -> str:
    """https://t.me/<bot>?start=<payload>: opens the private chat with the bot, which gets
    `/start <payload>`."""
    return f"https://t.me/{username}?start={payload}"


def share_link(username: str, number: int) -> str:
    """Telegram's share page for the deep link to section `number` (the user picks a chat)."""
    return f"https://t.me/share/url?url={quote(deep_link(username, f'section_{number}'), safe='')}"


def section_keyboard(
    article: Article,
    number: int,
    page: int,
    pages: int,
    language: str = "ja",
    username: str | None = None,
) -> InlineKeyboardMarkup:
    """◀ ▶ through the pages and on into the neighbouring sections, and the list; with the
    bot's `username`, a button that shares a link to the section."""
    numbers = [s.number for s in article.sections]
    at = numbers.index(number)
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀", callback_data=f"n:{number}:{page - 1}"))
    elif at > 0:
        before = numbers[at - 1]
        row.append(InlineKeyboardButton(f"◀ {label(before)}", callback_data=f"n:{before}:0"))
    row.append(InlineKeyboardButton(said(messages.SECTIONS, language), callback_data="l"))
    if page + 1 < pages:
        row.append(InlineKeyboardButton("▶", callback_data=f"n:{number}:{page + 1}"))
    elif at + 1 < len(numbers):
        after = numbers[at + 1]
        row.append(InlineKeyboardButton(f"{label(after)} ▶", callback_data=f"n:{after}:0"))
    rows = [row]
    if username:
        share = said(messages.SHARE_SECTION, language).format(number=number)
        rows.append([InlineKeyboardButton(share, url=share_link(username, number))])
    markup = tagged(InlineKeyboardMarkup(rows), language)
    assert markup is not None
    return markup


def sections_keyboard(
    article: Article, language: str = "ja", translations: Translations = NO_TRANSLATIONS
) -> InlineKeyboardMarkup:
    """A button for each section, one a row, titled in the reader's language where it can be."""
    rows = []
    for section in article.sections:
        text = shorten(label(section.number, translations.or_original(language, section.title)), 32)
        rows.append([InlineKeyboardButton(text, callback_data=f"s:{section.number}:0")])
    markup = tagged(InlineKeyboardMarkup(rows), language)
    assert markup is not None
    return markup


def examples_keyboard(
    examples: tuple[str, ...], language: str, sections: bool = False
) -> InlineKeyboardMarkup | None:
    """Example questions, one a row (a press asks it: q:I), and with `sections` the list."""
    rows = [
        [InlineKeyboardButton(shorten(question, 60), callback_data=f"q:{i}")]
        for i, question in enumerate(examples[:10])
    ]
    if sections:
        rows.append([InlineKeyboardButton(said(messages.SECTIONS, language), callback_data="l")])
    return tagged(InlineKeyboardMarkup(rows), language) if rows else None


def private_chat_keyboard(username: str, language: str) -> InlineKeyboardMarkup:
    """A button from a group into the private chat with the bot, where /start help runs."""
    text = said(messages.OPEN_PRIVATE, language)
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, url=deep_link(username, "help"))]])


def language_keyboard() -> InlineKeyboardMarkup:
    """/language: the four languages, each in its own words, two a row."""
    buttons = [
        InlineKeyboardButton(messages.LANGUAGE_NAMES[language], callback_data=f"g:{language}")
        for language in LANGUAGES
    ]
    return InlineKeyboardMarkup([buttons[:2], buttons[2:]])


def voted_keyboard(markup: InlineKeyboardMarkup, labels: dict[str, str]) -> InlineKeyboardMarkup:
    """`markup` with its vote buttons (v:+:…, v:-:…) relabelled: `labels` by sign ("+", "-"),
    their data unchanged, so a press still changes the vote."""
    rows = []
    for row in markup.inline_keyboard:
        new_row = []
        for button in row:
            press = parse(button.callback_data if isinstance(button.callback_data, str) else "")
            if press.kind == "v":
                sign = "+" if press.vote > 0 else "-"
                button = InlineKeyboardButton(labels[sign], callback_data=button.callback_data)
            new_row.append(button)
        rows.append(new_row)
    return InlineKeyboardMarkup(rows)
