"""A conversation about the article, for any front end (nothing here knows Telegram): a message
in (a question, a follow-up, `§5`, `/section 5`, `/sections`, `/help`), a reply out, which the
console (bot.console) and the bot (bot.render, bot.keyboards) each render their own way."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot import messages
from index.about import About, load_about
from index.article import Section
from index.followup import Context, Kind, RecentAnswers, follow_up
from index.kinds import ANSWER, SECTION, thanks
from index.search import Answer, Retriever

SHOWN = 2  # passages an answer quotes (the others a button away)
CANDIDATES = 6  # passages retrieved: the ones past SHOWN are offered as further candidates
# "§5" alone asks for a section (\d matches full-width digits, which Article.find folds).
SECTION_SHORTCUT = re.compile(r"^\s*§\s*\d{1,3}\s*$")


@dataclass(frozen=True)
class Answered:
    answer: Answer
    # The passages the conversation has seen on its topic, for the next follow-up (None:
    # the hits shown; nothing when the article does not answer).
    seen: tuple[str, ...] | None
    follows: bool = False  # read as a follow-up of the answer before it
    # A "more" whose passages are from another section: the section that has no more.
    after: int | None = None


@dataclass(frozen=True)
class SectionDone:
    """A "more" with nothing left on the conversation's question: every passage of its
    `sections` (section `number` first) has been shown."""

    number: int
    sections: tuple[int, ...] = ()
    language: str = "ja"  # the message's


@dataclass(frozen=True)
class ShowSection:
    section: Section


@dataclass(frozen=True)
class ListSections:
    pass


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class Notice:
    """A sentence of bot.messages, as it stands (plain text)."""

    text: str


@dataclass(frozen=True)
class Quit:
    pass


Reply = Answered | SectionDone | ShowSection | ListSections | ShowHelp | Notice | Quit


class Session:
    """Conversations about one article: each message answered in the context its conversation
    left (the last answer, for FOLLOW_UP_SECONDS)."""

    def __init__(
        self,
        retriever: Retriever,
        about: About | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.retriever = retriever
        self.article = retriever.article
        self.about = about or load_about(retriever.article)
        self.recent = RecentAnswers(clock)

    def ask(
        self,
        question: str,
        conversation: int | None = None,
        earlier: Context | None = None,
        recall: bool = True,
    ) -> Answered | SectionDone | ShowSection | Notice:
        """The answer to `question`, read as a follow-up of `earlier`, or (with `recall`) of
        the conversation's last answer; the answer is remembered for the next message. A
        message that asks for a section gets it; chat and requests get a line on what the bot
        does (Notice)."""
        if earlier is None and recall and conversation is not None:
            earlier = self.recent.recall(conversation)
        reply = follow_up(self.retriever, question, earlier, CANDIDATES, SHOWN)
        if conversation is not None and reply.context is not None:
            self.recent.remember(conversation, reply.context)
        elif conversation is not None and reply.ended:  # said once: a "more" after it is new
            self.recent.forget(conversation)
        if reply.ended:
            return SectionDone(reply.done[0], reply.done, reply.answer.language)
        if reply.answer.asks != ANSWER:
            return self.other(reply.answer)
        seen = reply.context.shown if reply.context else None
        follows = reply.kind is not Kind.STANDALONE
        return Answered(reply.answer, seen, follows, reply.section_done)

    def other(self, answer: Answer) -> ShowSection | Notice:
        """The reply to a message that asks for a section, chats or requests something else."""
        if answer.asks == SECTION:
            section = self.article.section(answer.section or 0)
            if section is None:
                words = messages.no_section(str(answer.section), self.article, answer.language)
                return Notice(words)
            return ShowSection(section)
        examples = self.about.examples
        said = messages.other_reply(
            answer.asks, answer.language, self.article.title, examples, thanks(answer.question)
        )
        return Notice(said)

    def section(self, ref: str, language: str = "ja") -> ShowSection | ListSections | Notice:
        """The section `ref` names (the list when it names none)."""
        if not ref.strip():
            return ListSections()
        section = self.article.find(ref)
        if section is None:
            return Notice(messages.no_section(ref, self.article, language))
        return ShowSection(section)

    def empty_ask(self, language: str = "ja") -> Notice:
        return Notice(messages.empty_ask(self.about.examples, language))

    def line(self, text: str, conversation: int = 0) -> Reply | None:
        """The reply to a line typed at a prompt (None for a blank one): commands as the bot
        knows them, anything else a question."""
        text = text.strip()
        if not text:
            return None
        if SECTION_SHORTCUT.match(text):
            return self.section(text)
        command, _, rest = text.partition(" ")
        command = command.lower().split("@")[0]
        if command in ("/quit", "/exit"):
            return Quit()
        if command in ("/help", "/start"):
            return ShowHelp()
        if command == "/sections":
            return ListSections()
        if command == "/section":
            return self.section(rest)
        if command == "/ask":
            return self.ask(rest, conversation) if rest.strip() else self.empty_ask()
        if command.startswith("/"):
            return Notice(messages.said(messages.UNKNOWN_COMMAND, "ja"))
        return self.ask(text, conversation)
