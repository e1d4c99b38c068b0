"""Answers and sections as Telegram HTML: escaped, and at most 4096 characters a message."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence

from bot.messages import NO_ANSWER, SECTION_DONE, SECTIONS_HINT, answer_lead, no_section, said
from index.about import About
from index.article import Article, Passage, Section
from index.search import Answer, Hit
from index.text import ELLIPSIS, SENTENCE_END, shorten

MAX_MESSAGE = 4096
QUOTE_CHARS = 320  # how much of a passage a quote shows around its best sentence


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji may count 2)."""
    return len(text.encode("utf-16-le")) // 2


def quote(text: str, excerpt: str, limit: int = QUOTE_CHARS) -> tuple[str, str, str]:
    """(before, excerpt, after): the excerpt with what surrounds it in `text`, cut at sentence
    ends to about `limit` characters; "…" marks where the passage goes on."""
    start = text.find(excerpt)
    if start < 0 or not excerpt:
        start, excerpt = 0, ""
    before, after = text[:start], text[start + len(excerpt) :]
    room = max(limit - len(excerpt), 0)
    after_room = min(len(after), room // 2 if len(before) > room // 2 else room - len(before))
    before_room = min(len(before), room - after_room)
    return _tail(before, before_room), excerpt, _head(after, after_room)


def _head(text: str, room: int) -> str:
    """The start of `text` within `room` characters, ending at a sentence end if one fits."""
    if len(text) <= room:
        return text
    cut = max((text.rfind(c, 0, room) for c in SENTENCE_END), default=-1)
    return (text[: cut + 1] if cut > 0 else text[:room]).rstrip() + ELLIPSIS


def _tail(text: str, room: int) -> str:
    """The end of `text` within `room` characters, starting after a sentence end if one fits."""
    if len(text) <= room:
        return text
    start = len(text) - room
    cuts = [text.find(c, start) for c in SENTENCE_END]
    cut = min((c for c in cuts if c >= 0), default=-1)
    return ELLIPSIS + (text[cut + 1 :] if 0 <= cut < len(text) - 1 else text[start:]).lstrip()


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def hit_html(hit: Hit) -> str:
    """`§N title` and a blockquote of the passage around its best sentence, in bold."""
    before, best, after = quote(hit.passage.text, hit.excerpt)
    head = f"<b>§{hit.passage.section}</b> {escape(hit.passage.title)}"
    body = escape(before) + (f"<b>{escape(best)}</b>" if best else "") + escape(after)
    return f"{head}\n<blockquote>{body}</blockquote>"


def answer_html(answer: Answer, shown: int = 3) -> str:
    """The answer's best hits, quoted; an unsure one says so and shows fewer."""
    language = answer.language
    if not answer.answered:
        return f"{escape(said(NO_ANSWER, language))}\n{escape(said(SECTIONS_HINT, language))}"
    lead = answer_lead(answer)
    quotes = "\n\n".join(hit_html(hit) for hit in answer.hits[: answer.shown(shown)])
    return f"<i>{escape(lead)}</i>\n\n{quotes}" if lead else quotes


def passage_html(passage: Passage, limit: int = QUOTE_CHARS) -> str:
    """A passage on its own (no question to pick a sentence by): its start, quoted."""
    head = f"<b>§{passage.section}</b> {escape(passage.title)}"
    return f"{head}\n<blockquote>{escape(_head(passage.text, limit))}</blockquote>"


def passages_html(passages: Sequence[Passage]) -> str:
    """Passages on their own, each once, as many as fit in one message (whatever a forged
    button asks for)."""
    parts: list[str] = []
    size = 0
    for passage in dict.fromkeys(passages):
        part = passage_html(passage)
        cost = visible_len(part) + 2
        if parts and size + cost > MAX_MESSAGE:
            break
        parts.append(part)
        size += cost
    return "\n\n".join(parts)


def visible_len(html_text: str) -> int:
    """The length Telegram counts for our HTML: its text without tags, unescaped."""
    return utf16_len(html.unescape(re.sub(r"<[^>]*>", "", html_text)))


@functools.lru_cache(maxsize=64)  # every button press and inline query pages a section again
def section_pages(section: Section, limit: int = MAX_MESSAGE) -> tuple[str, ...]:
    """The section as HTML messages of at most `limit` visible characters each, split between
    paragraphs (or, for a paragraph longer than a message, between sentences)."""
    header = f"§{section.number} {section.title}"
    budget = limit - utf16_len(header) - 16  # room for the header and a "(12/12)" counter
    pieces = [p for paragraph in section.paragraphs for p in _fit(paragraph, budget)]
    pages: list[list[str]] = [[]]
    size = 0
    for piece in pieces:
        cost = utf16_len(piece) + 2
        if pages[-1] and size + cost > budget:
            pages.append([])
            size = 0
        pages[-1].append(piece)
        size += cost
    total = len(pages)
    out = []
    for number, page in enumerate(pages, start=1):
        counter = f" ({number}/{total})" if total > 1 else ""
        body = "\n\n".join(escape(p) for p in page) or "(本文なし)"
        out.append(f"<b>{escape(header)}</b>{counter}\n\n{body}")
    return tuple(out)


def _fit(paragraph: str, budget: int) -> list[str]:
    """A paragraph cut into pieces of at most `budget` UTF-16 units, at sentence ends if any."""
    pieces: list[str] = []
    rest = paragraph
    while utf16_len(rest) > budget:
        room = budget
        while utf16_len(rest[:room]) > budget:  # emoji count twice
            room -= 1
        head = _head(rest, room).removesuffix(ELLIPSIS)
        pieces.append(head)
        rest = rest[len(head) :]
    return [*pieces, rest] if rest else pieces


def sections_html(article: Article) -> str:
    lines = [f"<b>§{s.number}</b> {escape(s.title)}" for s in article.sections]
    return "<b>章の一覧</b>\n" + "\n".join(lines)


def unknown_section_html(ref: str, article: Article) -> str:
    return escape(no_section(ref, article))


def section_done_html(number: int) -> str:
    return escape(SECTION_DONE.format(number=number))


def help_html(about: About, article: Article, username: str) -> str:
    """/start and /help: what the bot answers about, from the article's own metadata."""
    first, last = article.sections[0].number, article.sections[-1].number
    parts = [
        "<b>記事Q&amp;Aボット</b>",
        f"記事「{escape(about.title)}」について、質問に記事の該当箇所を引用して答えます。"
        "引用はすべて記事の原文で、<b>§N</b> は章の番号です。",
    ]
    if about.topics:
        parts.append(f"内容: {escape(about.topics)}")
    if about.source:
        parts.append(f"出典: {escape(about.source)}")
    if about.examples:
        examples = "\n".join(f"・{escape(q)}" for q in about.examples)
        parts.append(f"<b>質問の例</b>\n{examples}")
    else:
        titles = "\n".join(
            f"§{s.number} {escape(shorten(s.title, 40))}" for s in article.sections[:12]
        )
        parts.append(f"<b>章</b>\n{titles}")
    parts.append(
        "<b>コマンド</b>\n"
        f"/ask 質問 — 記事に質問する(グループではこちらか、@{escape(username)} をつけて)\n"
        f"/section N — 第N章を読む({first}〜{last})\n"
        "/sections — 章の一覧\n"
        "/help — この説明"
    )
    parts.append(
        "答えに返信して「もっと詳しく」「それはなぜ?」と聞くと、その答えの続きとして答えます。"
        "質問を編集すると、編集後の質問にあらためて答えます。"
    )
    return "\n\n".join(parts)
