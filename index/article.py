"""The article as numbered sections and passages, keeping the article's own text."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.text import shorten

# A section number stands alone on its line: "01", "02", … (full-width digits too).
_NUMBER_LINE = re.compile(r"\d{1,2}")
# Closing headings that follow the last numbered section (generic Japanese, not this article's).
_CLOSING_HEADINGS = frozenset({"最後に", "おわりに", "終わりに", "結びに", "まとめ", "あとがき"})
# The footer (channel links) starts at a community greeting line.
_FOOTER_LINE = re.compile(r"コミュニティへようこそ")
_URL = re.compile(r"https?://")
# Paragraphs shorter than this are joined with their neighbours into one passage.
MIN_PASSAGE_CHARS = 60


class ArticleError(ValueError):
    """The article cannot be read or holds no text."""


@dataclass(frozen=True)
class Passage:
    """A run of consecutive paragraphs of one section, verbatim."""

    id: str  # "N-K": the K-th passage of section N
    section: int
    title: str
    text: str


def section_of(passage_id: str) -> int:
    """The section number in a passage id."""
    return int(passage_id.split("-")[0])


@dataclass(frozen=True)
class Section:
    """A numbered section: its title line and its paragraphs, verbatim."""

    number: int
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Article:
    headline: str  # "" when the text starts with its first numbered section
    sections: tuple[Section, ...]
    passages: tuple[Passage, ...]

    @property
    def title(self) -> str:
        """Its headline, or its first section's title where it has none."""
        return self.headline or self.sections[0].title

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    def find(self, ref: str) -> Section | None:
        """The section a person names as "5", "05", "§5" or "５"; None if there is none."""
        number = parse_section_ref(ref)
        return self.section(number) if number is not None else None

    @property
    def span(self) -> tuple[int, int]:
        """The first and the last section number."""
        return self.sections[0].number, self.sections[-1].number

    def section_after(self, number: int) -> Section | None:
        """The section that follows section `number`, if any."""
        numbers = [s.number for s in self.sections]
        at = numbers.index(number) + 1 if number in numbers else len(numbers)
        return self.sections[at] if at < len(numbers) else None

    def passage(self, passage_id: str) -> Passage | None:
        return next((p for p in self.passages if p.id == passage_id), None)


def bundled_article_path() -> Path:
    return Path(__file__).parent / "data" / "musk-interview.ja.txt"


def load_article(
    path: str | Path | None = None, min_passage_chars: int = MIN_PASSAGE_CHARS
) -> Article:
    """Read and parse an article file (the bundled interview when `path` is None)."""
    source = Path(path) if path is not None else bundled_article_path()
    return decode_article(read_article(source), source, min_passage_chars)


def read_article(source: Path) -> bytes:
    """The bytes of the article file at `source`: a regular file (a FIFO or a device such as
    /dev/zero would block or never end), else an ArticleError."""
    try:
        if source.exists() and not source.is_file():
            raise ArticleError(f"article {str(source)!r} is not a regular file")
        return source.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read article {str(source)!r}: {exc.strerror or exc}") from None


def decode_article(raw: bytes, source: Path, min_passage_chars: int = MIN_PASSAGE_CHARS) -> Article:
    """Parse an article file's bytes, read from `source` (named in every error)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"article {str(source)!r} is not UTF-8 text (bad byte at offset {exc.start})"
        ) from None
    try:
        return parse_article(text, min_passage_chars)
    except ArticleError:  # its one error, said with the file's name
        raise ArticleError(f"article {str(source)!r} holds no text") from None


def parse_article(text: str, min_passage_chars: int = MIN_PASSAGE_CHARS) -> Article:
    """Split article text into sections 0…N and passages; the footer is dropped.

    Paragraphs shorter than `min_passage_chars` join their neighbours in one passage."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        start = offset + (raw.find(stripped) if stripped else 0)
        lines.append(_Line(stripped, start, start + len(stripped)))
        offset += len(raw) + 1
    if not any(line.text for line in lines):
        raise ArticleError("the article holds no text")
    # A text that is all footer (a lone link) is kept whole rather than left empty.
    kept = _drop_footer(lines)
    lines = kept if any(line.text for line in kept) else lines
    first = next(i for i, line in enumerate(lines) if line.text)
    layout = _numbered_layout(lines, first) or _block_layout(lines, first)
    sections = []
    passages: list[Passage] = []
    for number, title, title_at, body in layout:
        sections.append(Section(number, title, tuple(lines[i].text for i in body)))
        # A section's title line is its thesis in the article's words: the first passage
        # starts with it, so that it can be found and quoted like any other line.
        quoted = [title_at, *body] if title_at is not None else body
        groups = _group_paragraphs([lines[i] for i in quoted], min_passage_chars)
        for k, group in enumerate(groups, start=1):
            passages.append(
                Passage(f"{number}-{k}", number, title, text[group[0].start : group[-1].end])
            )
    headline = lines[first].text if layout[0][0] == 0 else ""
    return Article(headline, tuple(sections), tuple(passages))


@dataclass(frozen=True)
class _Line:
    text: str  # stripped
    start: int  # offsets of the stripped text in the article
    end: int


# (section number, title, index of the title line if it is not the headline, body line indices)
_Layout = list[tuple[int, str, int | None, list[int]]]


def _drop_footer(lines: list[_Line]) -> list[_Line]:
    for i, line in enumerate(lines):
        if _FOOTER_LINE.search(line.text):
            return lines[:i]
    end = len(lines)
    while end > 0 and (not lines[end - 1].text or _URL.search(lines[end - 1].text)):
        end -= 1
    return lines[:end]


def _numbered_layout(lines: list[_Line], first: int) -> _Layout:
    """Sections from number lines 01, 02, … in order; empty when the text has none.

    The first line is the headline, and what follows it up to 01 is section 0, unless the
    text starts with 01 (then there is no section 0)."""
    starts: list[int] = []  # index of each number line; section k starts at starts[k - 1]
    for i in range(first, len(lines)):
        folded = unicodedata.normalize("NFKC", lines[i].text)
        if _NUMBER_LINE.fullmatch(folded) and int(folded) == len(starts) + 1:
            starts.append(i)
    if not starts:
        return []
    closing = next(
        (i for i in range(starts[-1] + 1, len(lines)) if lines[i].text in _CLOSING_HEADINGS),
        None,
    )
    ends = [*starts[1:], closing if closing is not None else len(lines)]
    layout: _Layout = []
    if starts[0] != first:
        layout.append((0, lines[first].text, None, _body(lines, first + 1, starts[0])))
    for number, (at, end) in enumerate(zip(starts, ends, strict=True), start=1):
        body = _body(lines, at + 1, end)
        title_at = body.pop(0) if body else None
        title = lines[title_at].text if title_at is not None else f"{number:02d}"
        layout.append((number, title, title_at, body))
    if closing is not None:
        rest = _body(lines, closing + 1, len(lines))
        layout.append((len(starts) + 1, lines[closing].text, closing, rest))
    if not any(title_at is not None or body for _, _, title_at, body in layout):
        return []  # nothing but number lines: not a numbered layout
    return layout


def _body(lines: list[_Line], start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if lines[i].text]


def _block_layout(lines: list[_Line], first: int) -> _Layout:
    """Fallback for unnumbered text: one section per blank-line-separated block."""
    runs = itertools.groupby(range(first, len(lines)), key=lambda i: bool(lines[i].text))
    blocks = [list(block) for filled, block in runs if filled]
    return [(n, shorten(lines[b[0]].text, 40), None, b) for n, b in enumerate(blocks)]


def _group_paragraphs(paragraphs: list[_Line], min_chars: int) -> list[list[_Line]]:
    """Group paragraphs so that short lead-ins ("なぜか?") travel with what follows them."""
    groups: list[list[_Line]] = []
    current: list[_Line] = []
    for paragraph in paragraphs:
        current.append(paragraph)
        if sum(len(p.text) for p in current) >= min_chars:
            groups.append(current)
            current = []
    if current and groups:  # a short tail joins the last group
        groups[-1].extend(current)
    elif current:
        groups.append(current)
    return groups


def parse_section_ref(text: str) -> int | None:
    """A section number as a person types it: "5", "05", "§5", "５"; None if it is not one."""
    folded = unicodedata.normalize("NFKC", text).strip().removeprefix("§").strip()
    return int(folded) if re.fullmatch(r"\d{1,4}", folded) else None
