"""The article's own translations, sentence by sentence, shipped beside it.

A translation file, `<stem>.<lang>.jsonl` beside the article `<stem>.txt` (the bundled
`musk-interview.ja.txt` has `musk-interview.ja.en.jsonl`, …), holds one JSON object a line:
{"p": paragraph, "s": sentence, "sha": hash, "text": translation}. `p` counts the article's
non-empty lines from 0, `s` the sentences of that line (cut by index.text.SENTENCE), and `sha`
is the first 12 hex digits of the SHA-256 of the sentence's Japanese. A sentence is translated
only where all three still match the article, so an edited article drops what it changed (and,
when paragraphs come or go, what moved). Nothing is ever translated at run time: an article
without such files has no translations, and every lookup returns None.

See docs/translations/README.md for how the bundled translations were made and checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeGuard

from index.article import ArticleError, Section, bundled_article_path, read_article
from index.text import SENTENCE

log = logging.getLogger(__name__)

# The languages the article may be translated into (index.text.LANGUAGES but Japanese).
TRANSLATED = ("en", "zh-hans", "zh-hant")
# What joins the translated sentences of one paragraph: English words are spaced, Chinese not.
_SENTENCE_JOIN = {"en": " ", "zh-hans": "", "zh-hant": ""}
SHA_DIGITS = 12


@dataclass(frozen=True, eq=False)
class Translations:
    """The translations of one article's sentences: per language, a dict from a sentence's
    Japanese to its translation (a sentence the article repeats, such as its headline, has
    one). Built once by load_translations; lookups are dict lookups. Compared and hashed by
    identity (a key of bot.render's cache of section pages).

    Empty (every lookup None) for an article without translation files."""

    by_language: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages with at least one translated sentence, in TRANSLATED's order."""
        return tuple(lang for lang in TRANSLATED if self.by_language.get(lang))

    def sentence(self, language: str, japanese: str) -> str | None:
        """The translation of one sentence of the article, given verbatim (spaces around it
        aside); None if it has none in `language` (or `language` is not one of TRANSLATED)."""
        sentences = self.by_language.get(language)
        return sentences.get(japanese.strip()) if sentences else None

    def text(
        self,
        language: str,
        japanese: str,
        mark: Callable[[str, str], str] | None = None,
    ) -> str | None:
        """The translation of a verbatim span of the article made of whole sentences: a
        passage (paragraphs joined by "\\n", blank lines kept blank), a section's title or
        text, a lead of a sentence or two. Each line is cut into sentences as the article is,
        and their translations joined (with a space in English, with nothing in Chinese),
        lines with "\\n"; `mark(japanese, translation)`, where given, writes each sentence
        (as HTML, say). None if any sentence has no translation."""
        sentences = self.by_language.get(language)
        if not sentences:
            return None
        join = _SENTENCE_JOIN[language]
        lines = []
        for line in japanese.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            line = line.strip()
            parts = sentence_texts(line)
            if "".join(parts) != line:  # something outside any sentence (a stray "。")
                return None
            translated = [(part, sentences.get(part.strip())) for part in parts]
            if any(t is None for _, t in translated):
                return None
            lines.append(join.join(mark(p, t or "") if mark else t or "" for p, t in translated))
        return "\n".join(lines)

    def or_original(self, language: str, japanese: str) -> str:
        """A span of the article (as text() takes) in `language`, else the Japanese as it is."""
        return self.text(language, japanese) or japanese

    def section(self, language: str, section: Section) -> Section | None:
        """The section with its title and each paragraph in `language`; None unless every one
        of them is translated (a section is shown whole in one language)."""
        title = self.text(language, section.title) if section.title else ""
        paragraphs = [self.text(language, paragraph) for paragraph in section.paragraphs]
        if title is None or any(p is None for p in paragraphs):
            return None
        return replace(section, title=title, paragraphs=tuple(p or "" for p in paragraphs))


NO_TRANSLATIONS = Translations()


def sentence_texts(paragraph: str) -> list[str]:
    """A paragraph's sentences, as translation files number them."""
    return SENTENCE.findall(paragraph)


def sentence_sha(japanese: str) -> str:
    """The hash that keys a sentence's translations."""
    return hashlib.sha256(japanese.encode("utf-8")).hexdigest()[:SHA_DIGITS]


def translation_path(path_of_article: str | Path, language: str) -> Path:
    """Where an article's translation into `language` lies: `<stem>.<language>.jsonl`."""
    article = Path(path_of_article)
    return article.with_name(f"{article.stem}.{language}.jsonl")


def sentence_keys(article_text: str) -> dict[tuple[int, int, str], str]:
    """Each sentence of an article's text by its key in translation files: (paragraph,
    sentence, hash)."""
    text = article_text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    return {
        (p, s, sentence_sha(sentence)): sentence
        for p, paragraph in enumerate(paragraphs)
        for s, sentence in enumerate(sentence_texts(paragraph))
    }


def load_translations(article_text: str, path_of_article: str | Path | None) -> Translations:
    """The translations of the article `article_text`, read from `path_of_article` (the
    bundled article when None): those of its sentences that still match, per language.

    A missing file is no translation; a file that cannot be read or is not in the form
    above is ignored with a warning."""
    path = Path(path_of_article) if path_of_article is not None else bundled_article_path()
    keys = sentence_keys(article_text)
    by_language: dict[str, dict[str, str]] = {}
    for language in TRANSLATED:
        file = translation_path(path, language)
        if not file.is_file():
            continue
        rows = _read_rows(file)
        if rows is None:
            continue
        sentences: dict[str, str] = {}
        matched = 0
        for p, s, sha, text in rows:
            japanese = keys.get((p, s, sha))
            if japanese is not None:
                matched += 1
                # (A sentence after "? " starts with the space: kept out of the lookup.)
                sentences.setdefault(japanese.strip(), text)  # (a repeated one: its first)
        if matched < len(rows):
            log.info(
                "%s: %d of %d lines no longer match the article",
                file,
                len(rows) - matched,
                len(rows),
            )
        if sentences:
            by_language[language] = sentences
    return Translations(by_language)


_Row = tuple[int, int, str, str]


def _read_rows(file: Path) -> list[_Row] | None:
    """A translation file's rows; None (said once) if it cannot be read or is damaged."""
    try:
        lines = file.read_text(encoding="utf-8").split("\n")  # (not at U+2028: in a text)
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("translations %s ignored: cannot be read (%s)", file, exc)
        return None
    rows: list[_Row] = []
    seen: set[tuple[int, int]] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = _row(json.loads(line))
        except (ValueError, RecursionError):  # (a number of 5,000 digits, nesting 1,000 deep)
            problem = "not JSON"
        else:
            duplicate = row is not None and (row[0], row[1]) in seen
            problem = "not a translation line" if row is None else ""
            problem = "a second line for one sentence" if duplicate else problem
        if problem or row is None:
            log.warning("translations %s ignored: line %d is %s", file, number, problem)
            return None
        seen.add((row[0], row[1]))
        rows.append(row)
    return rows


def _row(data: object) -> _Row | None:
    """A line's (p, s, sha, text), or None if it is not in the file's form."""
    if not isinstance(data, dict):
        return None
    p, s, sha, text = (data.get(key) for key in ("p", "s", "sha", "text"))
    if not (_index(p) and _index(s) and isinstance(sha, str) and isinstance(text, str)):
        return None
    if len(sha) != SHA_DIGITS or not text.strip():
        return None
    return p, s, sha, text.strip()


def _index(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def translations_for(path_of_article: str | Path | None) -> Translations:
    """The translations of the article at `path_of_article` (the bundled one when None);
    none when the article cannot be read (its reader says why, elsewhere)."""
    path = Path(path_of_article) if path_of_article is not None else bundled_article_path()
    try:
        text = read_article(path).decode("utf-8-sig")
    except (ArticleError, UnicodeDecodeError):
        return NO_TRANSLATIONS
    return load_translations(text, path)


class TranslatedPassages:
    """BM25 over the passages' translations, one field per language: an English or Chinese
    question is matched against the passages in its own language (English words lowercased,
    Chinese as character bigrams, each script against its own translation)."""

    def __init__(self, passages: Sequence[str], translations: Translations, k1: float, b: float):
        from index.search import Field  # (index.search imports nothing of this module)

        self._fields: dict[str, tuple[Field, list[set[str]]]] = {}
        for lang in translations.languages:
            docs = [translated_terms(translations.text(lang, p) or "") for p in passages]
            field = Field(docs, k1, b, f"{lang} translations")
            self._fields[lang] = (field, [set(d) for d in docs])

    def match(self, question: str, language: str) -> tuple[dict[int, float], float] | None:
        """The BM25 score of every passage holding a term of `question` in its translation
        into `language`, and the largest share of the question's weight (each distinct term
        by its IDF; a term no translation has, by the largest) that one passage holds. None
        when the passages have no translation into `language`."""
        from index.tokenize import Word

        found = self._fields.get(language)
        if found is None:
            return None
        field, docs = found
        terms = translated_terms(question)
        scores = field.scores([Word((t,)) for t in terms])
        unseen = max(field.idf.values(), default=0.0)
        weights = {t: field.idf.get(t, unseen) for t in terms}
        total = sum(weights.values())
        held = (sum(w for t, w in weights.items() if t in doc) for doc in docs)
        return dict(scores), (max(held, default=0.0) / total if total else 0.0)


def translated_terms(text: str) -> list[str]:
    """What BM25 over a translation counts: English (Latin) words lowercased, and each run of
    Chinese characters as its bigrams (a single character alone)."""
    terms = []
    for run in _TERM.findall(unicodedata.normalize("NFKC", text).lower()):
        if run.isascii() or len(run) == 1:
            terms.append(run)
        else:
            terms += [run[i : i + 2] for i in range(len(run) - 1)]
    return terms


_TERM = re.compile(r"[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]+")
