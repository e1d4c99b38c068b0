"""The console: answers and sections as plain text and JSON, and the `chat` session's replies."""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.messages import ASK_HINT, NO_ANSWER, SECTIONS_HINT, answer_lead, label, said
from bot.questionlog import QuestionLog, entry
from bot.session import (
    Answered,
    ListSections,
    Notice,
    Quit,
    Reply,
    SectionDone,
    Session,
    ShowHelp,
    ShowSection,
)
from index.article import Article, Section
from index.search import Answer


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answered": answer.answered,
        **({"confidence": answer.confidence} if answer.answered else {}),
        "kind": answer.kind,
        **({"section": answer.section} if answer.kind == "section" else {}),
        "language": answer.language,
        **({"lead": answer.lead} if answer.answered else {}),
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
    if answer.lead:
        blocks.append(f"» {answer.lead}")
    for hit in answer.hits[: answer.shown(limit)]:
        quoted = "\n".join(f"  > {line}" for line in hit.passage.text.splitlines() if line.strip())
        head = f"{label(hit.passage.section, hit.passage.title)}  [{hit.passage.id}]"
        blocks.append(f"{head}\n{quoted}")
    return "\n\n".join(blocks)


def reply_text(session: Session, answer: Answer, limit: int = 3) -> str:
    """An answer of `ask` as text: quotes, or what another kind of message gets."""
    if answer.kind in ("answer", "declined"):
        return answer_text(answer, limit)
    reply = session.other(answer)
    return section_text(reply.section) if isinstance(reply, ShowSection) else reply.text


def section_text(section: Section) -> str:
    return label(section.number, section.title) + "\n\n" + "\n\n".join(section.paragraphs)


def sections_text(article: Article) -> str:
    return "\n".join(label(section.number, section.title) for section in article.sections)


def help_text(article: Article) -> str:
    first, last = article.span
    return said(messages.CHAT_HELP, "ja").format(first=first, last=last)


class Chat:
    """A console conversation: a Session's replies as plain text."""

    def __init__(self, session: Session, log: QuestionLog | None = None) -> None:
        self.session = session
        self.article = session.article
        self.log = log  # the question log, when it is on
        self.user = log.user("console", None) if log else ""

    def greeting(self) -> str:
        return f"{self.article.title}\n{help_text(self.article)}"

    def reply(self, line: str) -> str | None:
        """The reply to one line typed at the prompt: "" for a blank line, None to quit."""
        reply = self.session.line(line)
        if self.log is not None and isinstance(reply, Answered | SectionDone):
            self.log.record(entry(reply, line.strip(), "console", self.user))
        return self.render(reply)

    def render(self, reply: Reply | None) -> str | None:
        match reply:
            case None:
                return ""
            case Quit():
                return None
            case Answered(answer=answer):
                return answer_text(answer, hint=SECTIONS_HINT)
            case SectionDone(number=number):
                return messages.section_done(self.article, number)
            case ShowSection(section=section):
                return section_text(section)
            case ListSections():
                return sections_text(self.article)
            case ShowHelp():
                return help_text(self.article)
            case Notice(text=text):
                return text
