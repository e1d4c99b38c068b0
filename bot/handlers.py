"""Thin python-telegram-bot handlers: each asks the core and hands the result to a renderer."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot, filters

from bot import keyboards, messages, render
from bot.chats import Replies, Tally
from bot.conversation import context_from_reply, section_from_reply
from bot.language import Choices, reply_language, untag
from bot.messages import said
from bot.questionlog import QuestionLog, entry
from bot.quota import Quota, Verdict, seconds
from bot.session import (
    SHOWN,
    Answered,
    ListSections,
    Notice,
    SectionDone,
    Session,
    ShowSection,
    Translated,
)
from bot.turns import FairTurns
from index.article import Section
from index.search import Answer
from index.text import shorten

log = logging.getLogger(__name__)

INLINE_RESULTS = 5
COMMAND = re.compile(r"^/\w+(@\w+)?\s*")  # a command's name, before its words
MENTION = re.compile(r"@\w+")
FORGET_WAIT = 10.0  # seconds /forget waits for the log (locked by another process) to answer


@dataclass(frozen=True)
class BotData:
    """What every handler shares (python-telegram-bot's bot_data, typed): built whole by
    bot.app.build_application."""

    session: Session
    allowed_chat_ids: frozenset[int] | None
    questions: Quota  # questions the bot answers, per user
    browsing: Quota  # button presses and commands that show sections, per user
    inline: Quota  # inline queries, per user (sent as the user types)
    retrieval: FairTurns  # off the event loop, on one thread, in turns by user
    log: QuestionLog | None  # the question log, when it is on
    # Kept in this process, bounded (bot.language, bot.chats):
    languages: Choices = field(default_factory=Choices)  # each user's /language
    replies: Replies = field(default_factory=Replies)  # which answer a question got
    tally: Tally = field(default_factory=Tally)  # votes on answers, for a group's counts
    # Start-up's menus, and the questions that wait for room in their user's quota.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    admitted: set[int] = field(default_factory=set)  # updates whose wait is over


T = TypeVar("T")
Context_ = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]


async def _retrieve(update: Update, context: Context_, call: Callable[[], T], question: str) -> T:
    """Run a retrieval for `question` on the bot's retrieval thread, in the user's turn."""
    return await context.bot_data.retrieval.run(_sender(update), call, question)


def _sender(update: Update) -> int | None:
    """Who sent the update, for their quotas, turns and question log: the user, or for a
    message sent on a chat's behalf (an anonymous group admin, a channel) that chat, since
    Telegram gives every one of those the same user (@GroupAnonymousBot, @Channel_Bot)."""
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id
    return update.effective_user.id if update.effective_user else None


def _session(context: Context_) -> Session:
    return context.bot_data.session


def _language(update: Update, context: Context_, text: str | None = None) -> str:
    """The language to reply in (bot.language): `text`'s, when it has letters, else the
    user's choice (/language), else their Telegram client's, else Japanese."""
    user = update.effective_user
    chosen = context.bot_data.languages.get(user.id if user else None)
    return reply_language(text, chosen, user.language_code if user else None)


def _button_language(update: Update, context: Context_) -> str:
    """The language of the message a button sits under: its tag, another button's, or, for a
    message that shows none (sent inline), the user's."""
    query = update.callback_query
    assert query is not None
    if (tagged := untag(query.data)[1]) is not None:
        return tagged
    message = query.message
    if isinstance(message, Message) and (found := keyboards.language_of(message.reply_markup)):
        return found
    return _language(update, context)


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != chat.PRIVATE


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: ones that @mention it or reply to its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        return f"@{bot.username}".lower() in (m.lower() for m in mentions)


class ForAnotherBot(filters.MessageFilter):
    """Commands addressed to another bot ("/start@OtherBot"): none of this bot's business."""

    def filter(self, message: Message) -> bool:
        command = COMMAND.match(message.text or "")
        addressed = command[1] if command else None
        return addressed is not None and addressed[1:].lower() != message.get_bot().username.lower()


async def guard(update: Update, context: Context_) -> None:
    """Drop every update from a chat (or inline user) outside ALLOWED_CHAT_IDS."""
    allowed = context.bot_data.allowed_chat_ids
    if allowed is None:
        return
    chat = update.effective_chat
    who = chat.id if chat else (update.effective_user.id if update.effective_user else None)
    if who not in allowed:
        raise ApplicationHandlerStop


async def count_question(update: Update, context: Context_) -> None:
    """Answer only so many questions a user: past the limit, a few wait for room in the
    window (then answered), the next gets one notice of when to ask again, the rest silence."""
    if update.update_id in context.bot_data.admitted:  # counted when it began to wait
        context.bot_data.admitted.discard(update.update_id)
        return
    message = update.effective_message
    # The question's words: without /ask or an @mention of the bot.
    asked = MENTION.sub(" ", COMMAND.sub("", message.text or "")) if message else None
    notice = said(messages.TOO_MANY, _language(update, context, asked))
    await _within(update, context, context.bot_data.questions, notice)


async def count_browsing(update: Update, context: Context_) -> None:
    """The same for button presses and the commands that page through the article; a press
    over the limit still gets an answer, so the user's client stops waiting."""
    language = _button_language(update, context) if update.callback_query else None
    notice = said(messages.TOO_FAST, language or _language(update, context))
    await _within(update, context, context.bot_data.browsing, notice)


async def count_inline(update: Update, context: Context_) -> None:
    """Inline queries come as the user types: over their own limit, they are dropped."""
    await _within(update, context, context.bot_data.inline, "")


async def _within(update: Update, context: Context_, quota: Quota, notice: str) -> None:
    sender = _sender(update)
    if sender is None:
        return
    verdict, wait = quota.admit(sender)
    if verdict is Verdict.ANSWER:
        return
    if verdict is Verdict.WAIT:  # its place in the window comes in `wait` seconds
        _answer_later(update, context, wait)
        raise ApplicationHandlerStop
    if update.callback_query:
        await _in_time(update.callback_query.answer(notice))
    elif verdict is Verdict.NOTICE and notice and update.effective_message:
        await _reply(update, context, render.escape(notice.format(seconds=seconds(wait))))
    raise ApplicationHandlerStop


def _answer_later(update: Update, context: Context_, wait: float) -> None:
    """Handle `update` again in `wait` seconds, counted already. The update itself is done
    (and confirmed) now: a question waiting holds up no other update."""
    data = context.bot_data

    async def later() -> None:
        await asyncio.sleep(wait)
        data.admitted.add(update.update_id)
        await context.application.process_update(update)

    task = asyncio.create_task(later())
    data.tasks.add(task)
    task.add_done_callback(data.tasks.discard)


async def start(update: Update, context: Context_) -> None:
    """A short welcome with example questions to tap; `/start section_N` (the deep link
    t.me/<bot>?start=section_N) opens section N, `/start help` the help."""
    payload = context.args[0] if context.args else ""
    if payload.startswith("section_"):
        await _send_section(update, context, payload.removeprefix("section_"))
    elif payload == "help" or _in_group(update):
        await help_command(update, context)
    else:
        await _welcome(update, context)


async def _welcome(update: Update, context: Context_) -> None:
    session, language = _session(context), _language(update, context)
    markup = _examples_keyboard(context, language) or keyboards.sections_keyboard(
        session.article, language
    )
    await _reply(update, context, render.welcome_html(session.about, language), markup)


def _examples_keyboard(
    context: Context_, language: str, sections: bool = False
) -> InlineKeyboardMarkup | None:
    examples = messages.examples(language, _session(context).about.examples)
    return keyboards.examples_keyboard(examples, language, sections)


async def help_command(update: Update, context: Context_) -> None:
    """Say what the bot is, where the article comes from, and how to ask; in a group, a line
    and a button into the private chat."""
    session, language, username = (
        _session(context),
        _language(update, context),
        context.bot.username,
    )
    if _in_group(update):
        markup = keyboards.private_chat_keyboard(username, language)
        await _reply(
            update, context, render.group_start_html(session.about, username, language), markup
        )
        return
    logged = context.bot_data.log is not None
    html = render.help_html(session.about, session.article, username, logged, language)
    await _reply(update, context, html)


async def language_command(update: Update, context: Context_) -> None:
    """Offer the four languages as buttons."""
    text = render.escape(said(messages.LANGUAGE_PROMPT, _language(update, context)))
    await _reply(update, context, text, keyboards.language_keyboard())


async def language_button(update: Update, context: Context_) -> None:
    """Speak the language chosen (g:LANG) to this user from now on, and say so in it."""
    query = update.callback_query
    assert query is not None
    chosen = keyboards.parse(query.data).chosen
    context.bot_data.languages.choose(query.from_user.id, chosen)
    done = said(messages.LANGUAGE_SET, chosen)
    await _in_time(query.answer(done))
    if isinstance(query.message, Message):
        await _edit(query.edit_message_text(render.escape(done)))


async def example_button(update: Update, context: Context_) -> None:
    """Ask example question I (q:I) of the language of the message the button sits under."""
    query = update.callback_query
    assert query is not None
    language = _button_language(update, context)
    examples = messages.examples(language, _session(context).about.examples)
    index = keyboards.parse(query.data).index
    if index is None or index >= len(examples) or update.effective_chat is None:
        await stale_button(update, context)
        return
    await _in_time(query.answer(shorten(examples[index], 190)))  # what was asked, for a moment
    await _answer(update, context, examples[index])


async def ask_command(update: Update, context: Context_) -> None:
    """Answer the question after /ask."""
    question = " ".join(context.args or [])
    if not question.strip():
        notice = _session(context).empty_ask(_language(update, context)).text
        await _reply(update, context, render.escape(notice))
        return
    await _answer(update, context, question)


async def ask_text(update: Update, context: Context_) -> None:
    """Answer a message as a question, or as a follow-up of the answer it replies to."""
    message = update.effective_message
    assert message is not None and message.text is not None
    question = message.text.replace(f"@{context.bot.username}", " ")
    await _answer(update, context, question)


async def _answer(update: Update, context: Context_, question: str) -> None:
    session = _session(context)
    message, chat = update.effective_message, update.effective_chat
    assert chat is not None
    earlier = context_from_reply(message, context.bot.id) if message is not None else None
    number = section_from_reply(message, context.bot.id) if message is not None else None
    section = session.article.section(number) if number is not None else None
    # A private chat's last answer is a new message's context (not an edited one's).
    recall = chat.type == chat.PRIVATE and update.message is not None
    ask = partial(session.ask, question, chat.id, earlier, recall, section)
    reply = await _retrieve(update, context, ask, question)
    language = _language(update, context, question)
    match reply:
        case Answered():  # (an answer that declines gets example questions, no votes)
            ref = _record(update, context, reply, question)
            language = reply.answer.language  # (what its buttons say)
            markup = keyboards.answer_keyboard(reply.answer, SHOWN, reply.seen, ref)
            markup = markup or _examples_keyboard(context, language, sections=True)
            markup = keyboards.tagged(markup, language)
            html = render.answer_html(reply.answer, SHOWN, session.about.translations)
            if reply.after is not None:  # "more" goes on in another section: say so
                number = reply.answer.hits[0].passage.section
                heading = messages.more_from(reply.after, number, language)
                html = f"<i>{render.escape(heading)}</i>\n\n{html}"
            await _reply(update, context, html, markup)
        case SectionDone(number=number, sections=sections):
            _record(update, context, reply, question)
            markup = keyboards.next_section_keyboard(session.article, number, language)
            await _reply(
                update, context, render.escape(messages.more_done(sections, language)), markup
            )
        case ShowSection(section=section, language=asked):
            await _show_section(update, context, section, asked or language)
        case Translated(answer=answer):  # an answer shown before, in the language asked
            markup = keyboards.answer_keyboard(answer, SHOWN)
            html = render.answer_html(answer, SHOWN, session.about.translations)
            await _reply(update, context, html, keyboards.tagged(markup, answer.language))
        case Notice(text=text):
            await _reply(update, context, render.escape(text))


def _record(
    update: Update, context: Context_, reply: Answered | SectionDone, question: str
) -> str | None:
    """Keep the question in the question log, if it is on; what a vote on the answer names."""
    questions, chat, sender = context.bot_data.log, update.effective_chat, _sender(update)
    if questions is None or chat is None:
        return None
    kind = "private" if chat.type == chat.PRIVATE else "group"
    who = questions.user("telegram", sender if sender is not None else chat.id)
    return questions.record(entry(reply, question.strip(), kind, who))


async def section_command(update: Update, context: Context_) -> None:
    """Show the section named after /section, or the list when none is named."""
    await _send_section(update, context, " ".join(context.args or []))


async def section_shortcut(update: Update, context: Context_) -> None:
    """Show a section asked for as "§5" in a private chat."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _send_section(update, context, message.text)


async def _send_section(update: Update, context: Context_, ref: str) -> None:
    session, language = _session(context), _language(update, context)
    match session.section(ref, language):
        case ShowSection(section=section):
            await _show_section(update, context, section, language)
        case ListSections():
            await sections_command(update, context)
        case Notice(text=text):
            await _reply(update, context, render.escape(text))


async def _show_section(
    update: Update, context: Context_, section: Section, language: str, page: int = 0
) -> None:
    pages = _section_pages(update, context, section, language)
    await _reply(update, context, pages[page], _section_keyboard(context, section, page, language))


def _section_pages(
    update: Update, context: Context_, section: Section, language: str
) -> tuple[str, ...]:
    """The pages of a section in `language`, which the chat was shown last (for a request to
    translate it)."""
    session = _session(context)
    if update.effective_chat is not None:
        session.showed(update.effective_chat.id, section)
    return render.section_pages(section, language=language, translations=session.about.translations)


def _section_keyboard(
    context: Context_, section: Section, page: int, language: str
) -> InlineKeyboardMarkup:
    translations = _session(context).about.translations
    pages = len(render.section_pages(section, language=language, translations=translations))
    article, username = _session(context).article, context.bot.username
    return keyboards.section_keyboard(article, section.number, page, pages, language, username)


async def sections_command(update: Update, context: Context_, language: str | None = None) -> None:
    """List the sections, each a button."""
    session, language = _session(context), language or _language(update, context)
    article, translations = session.article, session.about.translations
    markup = keyboards.sections_keyboard(article, language, translations)
    await _reply(update, context, render.sections_html(article, language, translations), markup)


async def section_button(update: Update, context: Context_) -> None:
    """Send a page of a section as a new message (s:N:P), or show it in place (n:N:P)."""
    query = update.callback_query
    assert query is not None
    article, language = _session(context).article, _button_language(update, context)
    press = keyboards.parse(query.data)
    section = article.section(press.section) if press.section is not None else None
    pages = _section_pages(update, context, section, language) if section else ()
    page = press.page if press.page is not None else -1
    if section is None or not 0 <= page < len(pages) or update.effective_chat is None:
        await stale_button(update, context)
        return
    await _in_time(query.answer())
    markup = _section_keyboard(context, section, page, language)
    in_place = press.kind == "n" and query.message is not None
    if not in_place or not await _edit(query.edit_message_text(pages[page], reply_markup=markup)):
        await _show_section(update, context, section, language, page)


async def _edit(edit: Any) -> bool:
    """Await an edit of a message: False when the message can no longer be edited (deleted,
    say); one pressed twice ("message is not modified") is fine."""
    try:
        await edit
    except BadRequest as exc:
        if any(gone in str(exc).lower() for gone in ("to edit not found", "can't be edited")):
            log.info("could not edit a message (%s)", exc)
            return False
        if "not modified" not in str(exc):
            raise
    return True


async def _in_time(answer: Any) -> None:
    """Await the answer to a button press or an inline query. Telegram takes one for some
    seconds only (a backlog after a restart can take longer): one too late is let go, and what
    the press asked for is still done."""
    try:
        await answer
    except BadRequest as exc:
        if "query is too old" not in str(exc).lower():
            raise
        log.info("answered a button press or inline query too late (%s)", exc)


async def list_button(update: Update, context: Context_) -> None:
    """Send the list of sections."""
    assert update.callback_query is not None
    if update.effective_chat is None:  # a button of an inline message: none of ours
        await stale_button(update, context)
        return
    await _in_time(update.callback_query.answer())
    await sections_command(update, context, _button_language(update, context))


async def more_button(update: Update, context: Context_) -> None:
    """Send the answer's further candidates, each quoted."""
    query = update.callback_query
    assert query is not None
    article = _session(context).article
    passages = [p for pid in keyboards.parse(query.data).passage_ids if (p := article.passage(pid))]
    if not passages or update.effective_chat is None:
        await stale_button(update, context)
        return
    await _in_time(query.answer())
    language = _button_language(update, context)
    heading = render.escape(said(messages.MORE_CANDIDATES, language))
    quoted = render.passages_html(passages, language, _session(context).about.translations)
    html = f"<b>{heading}</b>\n\n{quoted}"
    markup = keyboards.tagged(keyboards.read_keyboard(passages, language), language)
    await _reply(update, context, html, markup)


async def vote_button(update: Update, context: Context_) -> None:
    """Record 👍 or 👎 on an answer in the question log, and thank the user."""
    query = update.callback_query
    assert query is not None
    press = keyboards.parse(query.data)
    questions = context.bot_data.log
    if questions is None or press.kind != "v":
        await stale_button(update, context)
        return
    # Decided from the id's signature alone: the answer's row may be in another replica's log,
    # and the vote is written later, off the event loop.
    voter = questions.user("telegram", query.from_user.id)
    if not questions.vote(press.ref, voter, press.vote):
        await stale_button(update, context)
        return
    await _in_time(query.answer(said(messages.THANKS, _button_language(update, context))))
    await _show_votes(update, context, press.ref, voter, press.vote)


async def _show_votes(update: Update, context: Context_, ref: str, voter: str, vote: int) -> None:
    """Show the vote on the answer's buttons: in a private chat a ✓ beside the one chosen, in
    a group each button's count (the votes this process was given: bot.chats.Tally)."""
    query = update.callback_query
    assert query is not None
    up, down = context.bot_data.tally.vote(ref, voter, vote)
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    if _in_group(update):
        counts = {"+": up, "-": down}
        labels = {s: f"{t} {counts[s]}" if counts[s] else t for t, s in messages.VOTES}
    else:
        chosen = "+" if vote > 0 else "-"
        labels = {s: f"{t} {messages.VOTED}" if s == chosen else t for t, s in messages.VOTES}
    markup = keyboards.voted_keyboard(message.reply_markup, labels)
    try:  # the vote is recorded and thanked whatever becomes of its mark
        await _edit(query.edit_message_reply_markup(markup))
    except TelegramError as exc:
        log.warning("could not mark a vote on its answer: %s", exc)


async def privacy_command(update: Update, context: Context_) -> None:
    """Say what the question log keeps of the user and for how long (or that it is off)."""
    questions = context.bot_data.log
    language = _language(update, context)
    if questions is None:
        await _reply(update, context, render.escape(said(messages.PRIVACY_OFF, language)))
        return
    days = f"{questions.retention / 86_400:g}"
    text = said(messages.PRIVACY, language).format(days=days)
    await _reply(update, context, render.escape(text))


async def forget_command(update: Update, context: Context_) -> None:
    """Delete the user's questions and votes from the question log, and say how many."""
    questions, sender = context.bot_data.log, _sender(update)
    language = _language(update, context)
    if questions is None or sender is None:
        await _reply(update, context, render.escape(said(messages.FORGET_OFF, language)))
        return
    done = asyncio.wrap_future(questions.forget(questions.user("telegram", sender)))
    try:
        asked, votes = await asyncio.wait_for(done, FORGET_WAIT)
    except (TimeoutError, OSError):  # locked for long, or failing: it stays queued, if it could be
        await _reply(update, context, render.escape(said(messages.FORGET_LATER, language)))
        return
    text = said(messages.FORGOTTEN, language).format(questions=asked, votes=votes)
    await _reply(update, context, render.escape(text))


async def stale_button(update: Update, context: Context_) -> None:
    """Tell the user that a button is stale or forged."""
    assert update.callback_query is not None
    notice = said(messages.STALE_BUTTON, _button_language(update, context))
    await _in_time(update.callback_query.answer(notice, show_alert=True))


async def inline_query(update: Update, context: Context_) -> None:
    """Offer the best passages for `@bot question`, each titled by its sentence that answers
    and posting that and its passage; the sections for an empty query; and, when the article
    does not answer, a button into the bot instead of unrelated passages."""
    query = update.inline_query
    assert query is not None
    session = _session(context)
    translations = session.about.translations
    if not query.query.strip():  # in the user's language: a result of their own (is_personal)
        language = _language(update, context)
        results = []
        for section in session.article.sections:
            shown = translations.section(language, section) or section
            results.append(
                InlineQueryResultArticle(
                    id=f"s{section.number}",
                    title=messages.label(section.number, shown.title),
                    description=shown.paragraphs[0] if shown.paragraphs else None,
                    input_message_content=InputTextMessageContent(
                        render.section_card_html(section, language, translations)
                    ),
                )
            )
        await _in_time(query.answer(results, cache_time=300, is_personal=True))
        return
    search = partial(session.retriever.search, query.query, INLINE_RESULTS)
    answer: Answer = await _retrieve(update, context, search, query.query)
    if not answer.answered:
        into = InlineQueryResultsButton(
            messages.said(messages.INLINE_INTO_BOT, answer.language), start_parameter="inline"
        )
        await _in_time(query.answer([], cache_time=300, button=into))
        return
    results = []
    language = answer.language  # (the query's: the same query gets the same results)
    for hit in answer.hits:
        said = answer.lead if answer.lead in hit.passage.text else hit.excerpt
        title = f"{messages.label(hit.passage.section)} {translations.or_original(language, said)}"
        card = render.card_html(hit, said, language, translations)
        results.append(
            InlineQueryResultArticle(
                id=hit.passage.id,
                title=title,
                description=translations.or_original(language, hit.passage.title),
                input_message_content=InputTextMessageContent(card),
            )
        )
    await _in_time(query.answer(results, cache_time=300))


async def not_text(update: Update, context: Context_) -> None:
    """Hint that questions are asked in text (stickers, photos, voice…)."""
    await _reply(
        update, context, render.escape(said(messages.NOT_TEXT, _language(update, context)))
    )


async def unknown_command(update: Update, context: Context_) -> None:
    """Point to /help for a command the bot does not know."""
    notice = said(messages.UNKNOWN_COMMAND, _language(update, context))
    await _reply(update, context, render.escape(notice))


async def error(update: object, context: Context_) -> None:
    """Log the error and apologize to the user instead of leaving them in silence."""
    if isinstance(context.error, Forbidden):  # blocked by the user, or out of the group
        log.warning("could not answer an update: %s", context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            apology = said(messages.APOLOGY, _language(update, context))
            await context.bot.send_message(
                update.effective_chat.id, render.escape(apology), message_thread_id=_topic(update)
            )
        except Exception:  # the Bot API may be what failed; the log has it already
            log.warning("could not send the apology", exc_info=True)


async def _reply(
    update: Update, context: Context_, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send `text` (Telegram HTML, the Defaults' parse mode) to the chat of the update, as a
    reply in groups; for an edited message, edit the bot's earlier answer to it instead, when
    this process sent one and it can still be edited."""
    message, chat = update.effective_message, update.effective_chat
    assert chat is not None
    asked = message is not None and update.callback_query is None
    key = (chat.id, message.message_id) if asked and message else None
    replies = context.bot_data.replies
    earlier = replies.get(key) if key and update.edited_message is not None else None
    if earlier is not None:
        try:
            await context.bot.edit_message_text(text, chat.id, earlier, reply_markup=markup)
            return
        except BadRequest as exc:  # the same answer again; or the answer is gone: a new reply
            if "not modified" in str(exc):
                return
            log.info("could not edit the answer to an edited message (%s): a new reply", exc)
    quote = asked and chat.type != chat.PRIVATE
    try:
        sent = await chat.send_message(
            text,
            reply_markup=markup,
            reply_to_message_id=message.message_id if quote and message else None,
            message_thread_id=_topic(update),
        )
    except ChatMigrated as exc:  # the group became a supergroup since: the answer goes there
        sent = await context.bot.send_message(exc.new_chat_id, text, reply_markup=markup)
    if key is not None:
        replies.put(key, sent.message_id)


def _topic(update: Update) -> int | None:
    """The forum topic the update came from (None: not a forum's, or its General topic), which
    a message that replies to none needs to stay in it."""
    message = update.effective_message
    return message.message_thread_id if message and message.is_topic_message else None
