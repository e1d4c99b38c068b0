"""What the help says about an article: its title, source, topics and example questions, and
the translations shipped beside it (index.translations).

The bundled article ships with a small metadata file beside it (same name, `.json`:
title, source, topics, and example questions with the section that answers each); any other
article without one gets a description built from its headline and section titles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from index.article import Article, bundled_article_path
from index.translations import NO_TRANSLATIONS, Translations, translations_for


@dataclass(frozen=True)
class About:
    title: str
    source: str  # where the article comes from ("" when not known)
    topics: str  # what it is about, in a line ("" when not known)
    examples: tuple[str, ...]  # questions it answers well
    translations: Translations = field(default=NO_TRANSLATIONS, repr=False)


def load_about(article: Article, path: str | Path | None = None) -> About:
    """The metadata beside the article file at `path` (the bundled one by default), or, where
    there is none or it cannot be read, what the article's own headline and titles say."""
    source = Path(path) if path is not None else bundled_article_path()
    translations = translations_for(source)
    try:
        data = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
        return About(
            title=str(data.get("title") or article.title),
            source=str(data.get("source", "")),
            topics=str(data.get("topics", "")),
            examples=tuple(str(e["question"]) for e in data.get("examples", ())),
            translations=translations,
        )
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return About(article.title, "", "", (), translations)
