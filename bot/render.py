"""Answers and sections as console text and as JSON objects."""

from __future__ import annotations

from typing import Any

from index.article import Article, Section
from index.search import Answer

NO_ANSWER = "この記事には、その質問に答える箇所が見つかりませんでした。"
NO_ANSWER_HINT = "/sections で章の一覧を見られます。"


def label(section: Section | int, title: str | None = None) -> str:
    """`§N 「title」` as every reply names a section."""
    if isinstance(section, Section):
        number, title = section.number, section.title
    else:
        number = section
    return f"§{number} {title}" if title else f"§{number}"


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "hits": [
            {
                "section": hit.passage.section,
                "title": hit.passage.title,
                "passage_id": hit.passage.id,
                "score": round(hit.score, 4),
                "text": hit.passage.text,
                "excerpt": hit.excerpt,
            }
            for hit in answer.hits
        ],
    }


def answer_text(answer: Answer, limit: int = 3) -> str:
    if not answer.answered:
        return f"{NO_ANSWER}\n{NO_ANSWER_HINT}"
    blocks = []
    for hit in answer.hits[:limit]:
        quoted = "\n".join(f"  > {line}" for line in hit.passage.text.splitlines())
        blocks.append(
            f"{label(hit.passage.section, hit.passage.title)}  [{hit.passage.id}]\n{quoted}"
        )
    return "\n\n".join(blocks)


def section_text(section: Section) -> str:
    return label(section) + "\n\n" + "\n\n".join(section.paragraphs)


def sections_text(article: Article) -> str:
    return "\n".join(label(section) for section in article.sections)
