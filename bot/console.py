"""The console: answers and sections as plain text and JSON, and the `chat` session's replies."""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.language import of_text
from bot.messages import (
    ASK_HINT,
    NO_ANSWER,
    SECTIONS_HINT,
    label,
    said,
)
from bot.questionlog import QuestionLog, entry
from bot.session import (
    SHOWN,
    Answered,
    ListSections,
    Notice,
    Quit,
    Reply,
    SectionDone,
    Session,
    ShowHelp,
    ShowSection,
    Translated,
)
from index.article import Article, Section
from index.search import Answer
from index.translations import NO_TRANSLATIONS, Translations


def answer_json(answer: Answer, translations: Translations = NO_TRANSLATIONS) -> dict[str, Any]:
    """The answer as SPEC's JSON object; for a message in a language the article is translated
    into, each hit's "translation" and the answer's "lead_translation" too."""
    language = answer.language
    lead_translation = translations.text(language, answer.lead) if answer.lead else None
    return {
        "question": answer.question,
        "answered": answer.answered,
        **({"confidence": answer.confidence} if answer.answered else {}),
        "kind": answer.kind,
        **({"section": answer.section} if answer.kind == "section" else {}),
        "language": answer.language,
        **({"lead": answer.lead} if answer.answered else {}),
        **({"lead_translation": lead_translation} if lead_translation else {}),
        "hits": [
            {
                "section": hit.passage.section,
                "title": hit.passage.title,
                "passage_id": hit.passage.id,
                "score": round(hit.score, 4),
                "text": hit.passage.text,
                "excerpt": hit.excerpt,
                **_translation(hit.passage.text, language, translations),
            }
            for hit in answer.hits
        ],
    }


def _translation(text: str, language: str, translations: Translations) -> dict[str, str]:
    translated = translations.text(language, text)
    return {"translation": translated} if translated else {}


def answer_text(
    answer: Answer,
    limit: int = 3,
    hint: dict[str, str] = ASK_HINT,
    translations: Translations = NO_TRANSLATIONS,
) -> str:
    """The answer's lead, then its best hits as quoted passages (an unsure one says so and
    shows fewer); for a reader of a language the article is translated into, the lead and
    each passage in it too, marked as translated."""
    language = answer.language
    if not answer.answered:
        return f"{said(NO_ANSWER, language)}\n{said(hint, language)}"
    translated_lead = translations.text(language, answer.lead) if answer.lead else None
    note = messages.answer_note(answer, translated_lead is not None)
    blocks = [note] if note else []
    if answer.lead:
        blocks.append(f"» {translated_lead or answer.lead}")
    for hit in answer.hits[: answer.shown(limit)]:
        head = f"{label(hit.passage.section, hit.passage.title)}  [{hit.passage.id}]"
        translated = translations.text(language, hit.passage.text)
        shown = [translated, hit.passage.text] if translated else [hit.passage.text]
        quoted = "\n\n".join(
            "\n".join(f"  > {line}" for line in text.splitlines() if line.strip()) for text in shown
        )
        blocks.append(f"{head}\n{quoted}")
    return "\n\n".join(blocks)


def reply_text(session: Session, answer: Answer, limit: int = 3) -> str:
    """An answer of `ask` as text: quotes, or what another kind of message gets."""
    translations = session.about.translations
    if answer.kind in ("answer", "declined"):
        return answer_text(answer, limit, translations=translations)
    match session.other(answer):
        case ShowSection(section=section, language=language):
            return section_text(section, language or answer.language, translations)
        case Translated(answer=translated):  # (nothing was shown before: not reached)
            return answer_text(translated, limit, translations=translations)
        case Notice(text=text):
            return text


def section_text(
    section: Section, language: str = "ja", translations: Translations = NO_TRANSLATIONS
) -> str:
    """A section; for a reader of a language the article is translated into, in it, marked
    as translated, each paragraph followed by its Japanese original."""
    translated = translations.section(language, section)
    if translated is None:
        return label(section.number, section.title) + "\n\n" + "\n\n".join(section.paragraphs)
    note = said(messages.TRANSLATED_LEAD, language)
    pairs = zip(translated.paragraphs, section.paragraphs, strict=True)
    paragraphs = [f"{text}\n  > {original}" for text, original in pairs]
    return "\n\n".join([f"{label(section.number, translated.title)}\n{note}", *paragraphs])


def sections_text(article: Article) -> str:
    return "\n".join(label(section.number, section.title) for section in article.sections)


def help_text(article: Article) -> str:
    first, last = article.span
    return said(messages.CHAT_HELP, "ja").format(first=first, last=last)


class Chat:
    """A console conversation: a Session's replies as plain text. Sections are shown in the
    language of the user's last message with letters in it (Japanese at first)."""

    def __init__(self, session: Session, log: QuestionLog | None = None) -> None:
        self.session = session
        self.article = session.article
        self.log = log  # the question log, when it is on
        self.user = log.user("console", None) if log else ""
        self.language = "ja"

    def greeting(self) -> str:
        return f"{self.article.title}\n{help_text(self.article)}"

    def reply(self, line: str) -> str | None:
        """The reply to one line typed at the prompt: "" for a blank line, None to quit."""
        if not line.lstrip().startswith("/") and (spoken := of_text(line)):
            self.language = spoken
        reply = self.session.line(line, language=self.language)
        if self.log is not None and isinstance(reply, Answered | SectionDone):
            self.log.record(entry(reply, line.strip(), "console", self.user))
        return self.render(reply)

    def render(self, reply: Reply | None) -> str | None:
        match reply:
            case None:
                return ""
            case Quit():
                return None
            case Answered(answer=answer, after=after):
                translations = self.session.about.translations
                text = answer_text(answer, SHOWN, SECTIONS_HINT, translations)
                if after is None:  # else "more" goes on in another section: say so
                    return text
                heading = messages.more_from(after, answer.hits[0].passage.section, answer.language)
                return f"{heading}\n\n{text}"
            case Translated(answer=answer):
                return answer_text(answer, SHOWN, SECTIONS_HINT, self.session.about.translations)
            case SectionDone(number=number, sections=sections, language=language):
                done = messages.more_done(sections, language)
                hints = [
                    messages.read_on(self.article, number, language),
                    said(SECTIONS_HINT, language),
                ]
                return "\n".join([done, *hints])
            case ShowSection(section=section, language=language):
                translations = self.session.about.translations
                return section_text(section, language or self.language, translations)
            case ListSections():
                return sections_text(self.article)
            case ShowHelp():
                return help_text(self.article)
            case Notice(text=text):
                return text
