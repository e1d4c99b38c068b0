"""Answers and sections as Telegram HTML: escaped, and at most 4096 characters a message."""

from __future__ import annotations

import functools
import html
import itertools
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from bot import messages
from bot.messages import NO_ANSWER, SECTIONS_HINT, label, said
from index.about import About
from index.article import Article, Passage, Section
from index.search import Answer, Hit
from index.text import ELLIPSIS, SENTENCE_END, shorten
from index.translations import NO_TRANSLATIONS, Translations, sentence_texts

T = TypeVar("T")
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


def hit_html(hit: Hit, bold: str = "") -> str:
    """`§N title` and a blockquote of the passage around `bold` (its best sentence), in bold."""
    head = label_html(hit.passage.section, hit.passage.title)
    return f"{head}\n<blockquote>{quote_html(hit.passage.text, bold or hit.excerpt)}</blockquote>"


def quote_html(text: str, bold: str) -> str:
    """The passage `text` around `bold`, which stands in bold (none when it is not in it)."""
    before, best, after = quote(text, bold)
    return escape(before) + (f"<b>{escape(best)}</b>" if best else "") + escape(after)


def label_html(number: int, title: str, limit: int | None = None) -> str:
    """`§N title` with the number in bold (the title cut to `limit` characters)."""
    return f"<b>{label(number)}</b> {escape(shorten(title, limit) if limit else title)}"


HEADER_TITLE = 24  # a section's title over an answer's quotes, at most (about a phone line)


def answer_html(
    answer: Answer, shown: int = 2, translations: Translations = NO_TRANSLATIONS
) -> str:
    """The answer for a phone screen: its lead (the article's sentence or two that answer, in
    bold), then its best passages, folded, under one header per section. For a reader of a
    language the article is translated into, the lead and each passage are in it, marked as
    translated, each with the Japanese original folded beneath. An unsure answer says so."""
    language = answer.language
    if not answer.answered:
        return f"{escape(said(NO_ANSWER, language))}\n{escape(said(SECTIONS_HINT, language))}"
    translated = translations.text(language, answer.lead) if answer.lead else None
    hits = answer.hits[: answer.shown(shown)]
    # (A "more" has no lead: its passages say whether what follows is translated.)
    first = hits[0].passage.text if hits and not answer.lead else ""
    more_translated = bool(first) and translations.text(language, first) is not None
    note = messages.answer_note(answer, translated is not None or more_translated)
    parts = [f"<i>{escape(note)}</i>"] if note else []
    if answer.lead:
        parts.append(f"<b>{escape(translated or answer.lead)}</b>")
    for section in dict.fromkeys(hit.passage.section for hit in hits):
        group = [hit for hit in hits if hit.passage.section == section]
        title = translations.or_original(language, group[0].passage.title)
        quotes = [_folded(hit, answer.lead, language, translations) for hit in group]
        parts.append(label_html(section, title, HEADER_TITLE) + "\n" + "\n".join(quotes))
    return "\n\n".join(parts)


def _folded(hit: Hit, lead: str, language: str, translations: Translations) -> str:
    """One passage, folded: in the reader's language (the lead's sentences in bold) with the
    Japanese original folded beneath, or the Japanese alone."""
    original = f"<blockquote expandable>{quote_html(hit.passage.text, lead)}</blockquote>"

    def mark(japanese: str, translated: str) -> str:  # the lead's sentences in bold
        bold = japanese.strip() and japanese.strip() in lead
        return f"<b>{escape(translated)}</b>" if bold else escape(translated)

    folded = translations.text(language, hit.passage.text, mark)
    return (
        original if folded is None else f"<blockquote expandable>{folded}</blockquote>\n{original}"
    )


def card_html(
    hit: Hit, sentence: str, language: str = "ja", translations: Translations = NO_TRANSLATIONS
) -> str:
    """What an inline result posts: the sentence that answers, in bold, and its passage; for a
    reader of a language the article is translated into, both in it, marked as translated,
    with the Japanese original folded beneath (as in an answer)."""
    translated = translations.text(language, sentence)
    if translated is None:
        return f"<b>{escape(sentence)}</b>\n\n{hit_html(hit, sentence)}"
    note = escape(said(messages.TRANSLATED_LEAD, language))
    head = label_html(hit.passage.section, translations.or_original(language, hit.passage.title))
    folded = _folded(hit, sentence, language, translations)
    return f"<i>{note}</i>\n\n<b>{escape(translated)}</b>\n\n{head}\n{folded}"


def section_card_html(
    section: Section, language: str = "ja", translations: Translations = NO_TRANSLATIONS
) -> str:
    """What an inline section posts: its label and its opening, not the whole section (in
    the reader's language where it is translated, the original opening folded beneath)."""
    translated = translations.section(language, section)
    shown = translated or section
    head = label_html(section.number, shown.title)
    if not section.paragraphs:
        return head
    quotes = [shown] if translated is None else [translated, section]
    folded = [_opening(s) for s in quotes]
    return "\n".join([head, *folded])


def _opening(section: Section) -> str:
    opening = "\n".join(section.paragraphs[:2])
    return f"<blockquote expandable>{escape(_head(opening, QUOTE_CHARS))}</blockquote>"


def passage_html(passage: Passage, limit: int = QUOTE_CHARS) -> str:
    """A passage on its own (no question to pick a sentence by): its start, quoted."""
    head = label_html(passage.section, passage.title)
    return f"{head}\n<blockquote>{escape(_head(passage.text, limit))}</blockquote>"


def passages_html(
    passages: Sequence[Passage], language: str = "ja", translations: Translations = NO_TRANSLATIONS
) -> str:
    """Passages on their own, each once, as many as fit in one message (whatever a forged
    button asks for); for a reader of a language the article is translated into, each in it,
    marked as translated, with the Japanese original folded beneath."""
    parts = [_passage_in(passage, language, translations) for passage in dict.fromkeys(passages)]
    parts = _pages(parts, MAX_MESSAGE, lambda part: visible_len(part) + 2)[0]
    if any("<blockquote expandable>" in part for part in parts):
        parts = [f"<i>{escape(said(messages.TRANSLATED_LEAD, language))}</i>", *parts]
    return "\n\n".join(parts)


def _passage_in(passage: Passage, language: str, translations: Translations) -> str:
    translated = translations.text(language, passage.text)
    if translated is None:
        return passage_html(passage)
    head = label_html(passage.section, translations.or_original(language, passage.title))
    # Folded, so whole (as an answer's passages are).
    folded = f"<blockquote expandable>{escape(translated)}</blockquote>"
    original = f"<blockquote expandable>{escape(passage.text)}</blockquote>"
    return f"{head}\n{folded}\n{original}"


def _pages(parts: Sequence[T], budget: int, cost: Callable[[T], int]) -> list[list[T]]:
    """`parts` in order, a new page whenever the next would take the page's cost past `budget`
    (a part alone on its page may exceed it); one empty page when there are none."""
    pages: list[list[T]] = [[]]
    size = 0
    for part in parts:
        if pages[-1] and size + cost(part) > budget:
            pages.append([])
            size = 0
        pages[-1].append(part)
        size += cost(part)
    return pages


def visible_len(html_text: str) -> int:
    """The length Telegram counts for our HTML: its text without tags, unescaped."""
    return utf16_len(html.unescape(re.sub(r"<[^>]*>", "", html_text)))


@functools.lru_cache(maxsize=64)  # every button press and inline query pages a section again
def section_pages(
    section: Section,
    limit: int = MAX_MESSAGE,
    language: str = "ja",
    translations: Translations = NO_TRANSLATIONS,
) -> tuple[str, ...]:
    """The section as HTML messages of at most `limit` visible characters each, split between
    paragraphs (or, for a paragraph longer than a message, between sentences). For a reader of
    a language the article is translated into, the section in it, marked as translated, with
    the Japanese original of each page's text folded at its end."""
    translated = translations.section(language, section)
    header = label(section.number, (translated or section).title)
    note = said(messages.TRANSLATED_SECTION, language) if translated else ""
    # Room for the header, the note and a "(12/12)" counter, and the blank lines around them.
    budget = limit - utf16_len(header) - utf16_len(note) - 20
    if translated is None:
        pieces = [(p, "") for paragraph in section.paragraphs for p in _fit(paragraph, budget)]
    else:
        pairs = zip(translated.paragraphs, section.paragraphs, strict=True)
        pieces = [
            piece
            for pair in pairs
            for piece in _fit_pair(
                *pair, budget, lambda japanese: translations.text(language, japanese)
            )
        ]
    pages = _pages(pieces, budget, lambda piece: _pair_len(*piece))
    out = []
    for number, page in enumerate(pages, start=1):
        counter = f" ({number}/{len(pages)})" if len(pages) > 1 else ""
        head = f"<b>{escape(header)}</b>{counter}" + (f"\n<i>{escape(note)}</i>" if note else "")
        text = "\n\n".join(escape(t) for t, _ in page if t)
        body = text or escape(said(messages.EMPTY_SECTION, language))
        if original := "\n\n".join(escape(o) for _, o in page if o):
            body += f"\n\n<blockquote expandable>{original}</blockquote>"
        out.append(f"{head}\n\n{body}")
    return tuple(out)


def _pair_len(translated: str, original: str) -> int:
    """What a piece of a translated page and its original take of it, blank lines included."""
    return utf16_len(translated) + utf16_len(original) + 4


def _fit_pair(
    translated: str, original: str, budget: int, translate: Callable[[str], str | None]
) -> list[tuple[str, str]]:
    """A paragraph's translation and its original as pieces of at most `budget` UTF-16 units
    together: whole where they fit, else its sentences in runs that fit, each beside its
    translation (`translate`), a sentence longer than that cut as _fit cuts."""
    if _pair_len(translated, original) <= budget:
        return [(translated, original)]
    runs = [""]
    for sentence in sentence_texts(original):
        longer = runs[-1] + sentence
        if runs[-1] and _pair_len(translate(longer) or "", longer) > budget:
            runs.append(sentence)
        else:
            runs[-1] = longer
    pieces: list[tuple[str, str]] = []
    for run in runs:
        translation = translate(run) or ""
        if _pair_len(translation, run) <= budget:
            pieces.append((translation, run))
        else:
            half = budget // 2 - 2
            cut = itertools.zip_longest(_fit(translation, half), _fit(run, half), fillvalue="")
            pieces += cut
    return pieces


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


def sections_html(
    article: Article, language: str = "ja", translations: Translations = NO_TRANSLATIONS
) -> str:
    """The list of sections, each titled in the reader's language where it is translated."""
    lines = [
        label_html(s.number, translations.or_original(language, s.title)) for s in article.sections
    ]
    return f"<b>{escape(said(messages.SECTIONS, language))}</b>\n" + "\n".join(lines)


def welcome_html(about: About, language: str = "ja") -> str:
    """/start in a private chat: the bot's name and a few lines (the examples are buttons)."""
    name = escape(said(messages.HELP_NAME, language))
    return f"<b>{name}</b>\n" + escape(said(messages.WELCOME, language).format(title=about.title))


def group_start_html(about: About, username: str, language: str = "ja") -> str:
    """/start and /help in a group: one line (a button leads into the private chat)."""
    words = said(messages.GROUP_START, language)
    return escape(words.format(title=about.title, username=username))


def help_html(
    about: About, article: Article, username: str, logged: bool = False, language: str = "ja"
) -> str:
    """/help: what the bot answers about, from the article's own metadata."""
    first, last = article.span
    parts = [
        f"<b>{escape(said(messages.HELP_NAME, language))}</b>",
        escape(said(messages.HELP_INTRO, language).format(title=about.title)),
    ]
    if about.topics:
        topics = messages.bundled(messages.ABOUT_TOPICS, about.topics, language)
        parts.append(escape(said(messages.HELP_TOPICS, language).format(topics=topics)))
    if about.source:
        source = messages.bundled(messages.ABOUT_SOURCE, about.source, language)
        parts.append(escape(said(messages.HELP_SOURCE, language).format(source=source)))
    if tries := messages.examples(language, about.examples):
        example = said(messages.HELP_EXAMPLE, language)
        examples = [example.format(question=q) for q in tries]
        parts.append(_listed(said(messages.HELP_EXAMPLES, language), examples))
    else:
        titles = [label(s.number, shorten(s.title, 40)) for s in article.sections[:12]]
        parts.append(_listed(said(messages.HELP_SECTIONS, language), titles))
    lines = messages.HELP_COMMAND_LINES.get(language, messages.HELP_COMMAND_LINES["ja"])
    commands = [line.format(username=username, first=first, last=last) for line in lines]
    parts += [
        _listed(said(messages.HELP_COMMANDS, language), commands),
        escape(said(messages.HELP_FOLLOW_UP, language)),
    ]
    if logged:
        parts.append(escape(said(messages.HELP_LOGGED, language)))
    return "\n\n".join(parts)


def _listed(heading: str, lines: Sequence[str]) -> str:
    """A bold heading over lines of plain text, escaped."""
    return f"<b>{escape(heading)}</b>\n" + "\n".join(map(escape, lines))
