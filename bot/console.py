"""The console: answers and sections as plain text and JSON, and the `chat` session."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.messages import (
    ASK_HINT,
    EMPTY_ASK,
    NO_ANSWER,
    SECTION_DONE,
    SECTIONS_HINT,
    UNKNOWN_COMMAND,
    answer_lead,
    no_section,
    said,
)
from index.article import Article, Section, parse_section_ref
from index.followup import RecentAnswers, follow_up
from index.search import Answer, Retriever

CHAT_HELP = """質問をそのまま入力すると、記事の該当箇所を引用して答えます。
答えのあとに「もっと詳しく」「それはなぜ?」と続けて聞くこともできます。
  /section N   第N章を表示 ({first}〜{last}。§N だけでも)
  /sections    章の一覧
  /ask 質問    質問する(/ask なしでも同じ)
  /help        このヘルプ
  /quit        終了"""


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
        **({"confidence": answer.confidence} if answer.answered else {}),
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


def answer_text(answer: Answer, limit: int = 3, hint: dict[str, str] = ASK_HINT) -> str:
    """The answer's best hits as quoted passages (an unsure one says so and shows fewer)."""
    if not answer.answered:
        return f"{said(NO_ANSWER, answer.language)}\n{said(hint, answer.language)}"
    lead = answer_lead(answer)
    blocks = [lead] if lead else []
    for hit in answer.hits[: answer.shown(limit)]:
        lines = [line for line in hit.passage.text.splitlines() if line.strip()]
        quoted = "\n".join(f"  > {line}" for line in lines)
        blocks.append(
            f"{label(hit.passage.section, hit.passage.title)}  [{hit.passage.id}]\n{quoted}"
        )
    return "\n\n".join(blocks)


def section_done_text(article: Article, number: int) -> str:
    """What "more" says once every passage of section `number` has been shown."""
    after = article.section_after(number)
    then = f"続きは次の章で: /section {after.number}" if after else "記事はここで終わりです。"
    return SECTION_DONE.format(number=number) + then


def section_text(section: Section) -> str:
    return label(section) + "\n\n" + "\n\n".join(section.paragraphs)


def sections_text(article: Article) -> str:
    return "\n".join(label(section) for section in article.sections)


class Chat:
    """A console conversation: what Telegram accepts, answered as plain text."""

    def __init__(self, retriever: Retriever, clock: Callable[[], float] = time.monotonic) -> None:
        self.retriever = retriever
        self.article = retriever.article
        self.recent = RecentAnswers(clock)  # the last answer, for a follow-up

    def greeting(self) -> str:
        return f"{self.article.title}\n{self.help()}"

    def help(self) -> str:
        first, last = self.article.sections[0].number, self.article.sections[-1].number
        return CHAT_HELP.format(first=first, last=last)

    def reply(self, line: str) -> str | None:
        """The reply to one line typed at the prompt: "" for a blank line, None to quit."""
        text = line.strip()
        if not text:
            return ""
        if parse_section_ref(text) is not None and text.lstrip().startswith(("§", "§")):
            return self._section(text)
        command, _, rest = text.partition(" ")
        command = command.lower().split("@")[0]
        if command in ("/quit", "/exit"):
            return None
        if command in ("/help", "/start"):
            return self.help()
        if command == "/sections" or (command == "/section" and not rest.strip()):
            return sections_text(self.article)
        if command == "/section":
            return self._section(rest)
        if command == "/ask":
            return self.answer(rest) if rest.strip() else EMPTY_ASK
        if command.startswith("/"):
            return UNKNOWN_COMMAND
        return self.answer(text)

    def answer(self, question: str) -> str:
        """The answer, read as a follow-up of the last one when that was recent."""
        reply = follow_up(self.retriever, question, self.recent.recall(0))
        if reply.context is not None:
            self.recent.remember(0, reply.context)
        if reply.section_done is not None:
            return section_done_text(self.article, reply.section_done)
        return answer_text(reply.answer, hint=SECTIONS_HINT)

    def _section(self, ref: str) -> str:
        number = parse_section_ref(ref)
        section = self.article.section(number) if number is not None else None
        return section_text(section) if section else no_section(ref, self.article)
