"""A conversation about the article, for any front end (nothing here knows Telegram): a message
in (a question, a follow-up, `§5`, `/section 5`, `/sections`, `/help`), a reply out, which the
console (bot.console) and the bot (bot.render, bot.keyboards) each render their own way."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot import messages
from bot.shown import Shown, replied_answer
from index.about import About, load_about
from index.article import Section
from index.followup import Context, Kind, RecentAnswers, follow_up
from index.kinds import ANSWER, REQUEST, SECTION, language_named, thanks, translation_target
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
    language: str | None = None  # the language asked for it in (None: the reply's)


@dataclass(frozen=True)
class Translated:
    """An answer shown before, again in the language a request asked for (its `language`):
    the article's own translation, or its Japanese original."""

    answer: Answer


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


Reply = Answered | SectionDone | ShowSection | Translated | ListSections | ShowHelp | Notice | Quit


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
        self.recent: RecentAnswers[Context] = RecentAnswers(clock)
        # What each conversation was shown last, for a request to translate it.
        self.shown: RecentAnswers[Shown] = RecentAnswers(clock)
        # What an answer or a section can be shown in: the original, and its translations.
        self.languages = ("ja", *self.about.translations.languages)

    def ask(
        self,
        question: str,
        conversation: int | None = None,
        earlier: Context | None = None,
        recall: bool = True,
        section: Section | None = None,
    ) -> Answered | SectionDone | ShowSection | Translated | Notice:
        """The answer to `question`, read as a follow-up of `earlier`, or of the `section`
        whose page the message replies to, or (with `recall`) of the conversation's last
        answer; the answer is remembered for the next message. A message that asks for a
        section gets it; a request to translate, the answer `earlier` showed or that `section`
        (or, with `recall`, the conversation's last answer or section) in the language asked;
        chat and other requests get a line on what the bot does (Notice)."""
        if section is not None:  # its passages all seen: "more" goes on past it
            ids = tuple(p.id for p in self.article.passages if p.section == section.number)
            earlier = Context(section.title, ids)
        replied = earlier  # (the answer the message replies to, when it does)
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
            shown = section or self._shown_before(replied, conversation, recall)
            other = self.other(reply.answer, shown)
            if isinstance(other, ShowSection) and conversation is not None:
                self.showed(conversation, other.section)
            return other
        if reply.answer.answered and conversation is not None:
            self.showed(conversation, reply.answer)
        seen = reply.context.shown if reply.context else None
        follows = reply.kind is not Kind.STANDALONE
        return Answered(reply.answer, seen, follows, reply.section_done)

    def showed(self, conversation: int, shown: Shown) -> None:
        """Keep the answer or section a conversation was shown last, for a request to
        translate it (front ends call this for the sections they show on their own)."""
        self.shown.remember(conversation, shown)

    def other(
        self, answer: Answer, shown: Shown | None = None
    ) -> ShowSection | Translated | Notice:
        """The reply to a message that asks for a section (in a language, where it names one),
        chats or requests something else: a translation of what was `shown` before, or a
        line on what the bot does."""
        if answer.asks == SECTION:
            section = self.article.section(answer.section or 0)
            if section is None:
                words = messages.no_section(str(answer.section), self.article, answer.language)
                return Notice(words)
            named = language_named(answer.question)
            return ShowSection(section, named if named in self.languages else None)
        if answer.asks == REQUEST and (into := translation_target(answer.question)) is not None:
            return self.translated(shown, into, answer.language)
        examples = self.about.examples
        said = messages.other_reply(
            answer.asks, answer.language, self.article.title, examples, thanks(answer.question)
        )
        return Notice(said)

    def translated(
        self, shown: Shown | None, into: str, language: str
    ) -> ShowSection | Translated | Notice:
        """`shown` (an answer or a section) in the language `into`; where the article is not
        shown in it, or nothing was shown, a line in `language` that says what the bot can do."""
        if into not in self.languages:
            return Notice(messages.translate_only(self.languages, language))
        if shown is None:
            return Notice(messages.nothing_to_translate(into, language))
        if isinstance(shown, Section):
            return ShowSection(shown, into)
        return Translated(replace(shown, language=into, confidence="high"))

    def _shown_before(
        self, replied: Context | None, conversation: int | None, recall: bool
    ) -> Shown | None:
        """What a request to translate translates: the answer it replies to, else (with
        `recall`) the conversation's last answer or section."""
        if replied is not None:
            return replied_answer(replied, self.article, self.about.translations, SHOWN)
        return self.shown.recall(conversation) if recall and conversation is not None else None

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

    def line(self, text: str, conversation: int = 0, language: str = "ja") -> Reply | None:
        """The reply to a line typed at a prompt (None for a blank one): commands as the bot
        knows them, anything else a question; what a command says is in `language`."""
        text = text.strip()
        if not text:
            return None
        command, _, rest = text.partition(" ")
        command = command.lower().split("@")[0]
        if SECTION_SHORTCUT.match(text) or command == "/section":
            reply = self.section(rest if command == "/section" else text, language)
            if isinstance(reply, ShowSection):
                self.showed(conversation, reply.section)
            return reply
        if command in ("/quit", "/exit"):
            return Quit()
        if command in ("/help", "/start"):
            return ShowHelp()
        if command == "/sections":
            return ListSections()
        if command == "/ask":
            return self.ask(rest, conversation) if rest.strip() else self.empty_ask(language)
        if command.startswith("/"):
            return Notice(messages.said(messages.UNKNOWN_COMMAND, language))
        return self.ask(text, conversation)
