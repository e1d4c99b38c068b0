"""Thin python-telegram-bot handlers: each asks the core and hands the result to a renderer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
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
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot, filters

from bot import keyboards, messages, render
from bot.conversation import context_from_reply
from bot.questionlog import QuestionLog, entry
from bot.quota import Quota, Verdict
from bot.session import SHOWN, Answered, ListSections, Notice, SectionDone, Session, ShowSection
from bot.turns import FairTurns
from index.article import Section
from index.search import Answer

log = logging.getLogger(__name__)

INLINE_RESULTS = 5
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


T = TypeVar("T")
Context_ = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]


async def _retrieve(update: Update, context: Context_, call: Callable[[], T], question: str) -> T:
    """Run a retrieval for `question` on the bot's retrieval thread, in the user's turn."""
    user = update.effective_user
    return await context.bot_data.retrieval.run(user.id if user else None, call, question)


def _session(context: Context_) -> Session:
    return context.bot_data.session


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: ones that @mention it or reply to its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        return f"@{bot.username}".lower() in (m.lower() for m in mentions)


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
    """Answer only so many questions a user: past the limit, say so once, then stay silent."""
    await _within(update, context.bot_data.questions, messages.TOO_MANY)


async def count_browsing(update: Update, context: Context_) -> None:
    """The same for button presses and the commands that page through the article; a press
    over the limit still gets an answer, so the user's client stops waiting."""
    await _within(update, context.bot_data.browsing, messages.TOO_FAST)


async def count_inline(update: Update, context: Context_) -> None:
    """Inline queries come as the user types: over their own limit, they are dropped."""
    await _within(update, context.bot_data.inline, "")


async def _within(update: Update, quota: Quota, notice: str) -> None:
    if update.effective_user is None:
        return
    verdict = quota.check(update.effective_user.id)
    if verdict is Verdict.ANSWER:
        return
    if update.callback_query:
        await update.callback_query.answer(notice)
    elif verdict is Verdict.NOTICE and notice and update.effective_message:
        await _reply(update, render.escape(notice))
    raise ApplicationHandlerStop


async def start(update: Update, context: Context_) -> None:
    """Say what the bot is, where the article comes from, and how to ask."""
    session = _session(context)
    logged = context.bot_data.log is not None
    html = render.help_html(session.about, session.article, context.bot.username, logged)
    await _reply(update, html)


async def ask_command(update: Update, context: Context_) -> None:
    """Answer the question after /ask."""
    question = " ".join(context.args or [])
    if not question.strip():
        await _reply(update, render.escape(_session(context).empty_ask().text))
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
    # A private chat's last answer is a new message's context (not an edited one's).
    recall = chat.type == chat.PRIVATE and update.message is not None
    ask = partial(session.ask, question, chat.id, earlier, recall)
    reply = await _retrieve(update, context, ask, question)
    match reply:
        case Answered():  # (an answer that declines gets no keyboard, no votes)
            ref = _record(update, context, reply, question)
            markup = keyboards.answer_keyboard(reply.answer, SHOWN, reply.seen, ref)
            html = render.answer_html(reply.answer, SHOWN, session.about.translations)
            await _reply(update, html, markup)
        case SectionDone(number=number):
            _record(update, context, reply, question)
            markup = keyboards.next_section_keyboard(session.article, number)
            await _reply(update, render.escape(messages.SECTION_DONE.format(number=number)), markup)
        case ShowSection(section=section):
            await _show_section(update, session, section)
        case Notice(text=text):
            await _reply(update, render.escape(text))


def _record(
    update: Update, context: Context_, reply: Answered | SectionDone, question: str
) -> str | None:
    """Keep the question in the question log, if it is on; what a vote on the answer names."""
    questions, chat, user = context.bot_data.log, update.effective_chat, update.effective_user
    if questions is None or chat is None:
        return None
    kind = "private" if chat.type == chat.PRIVATE else "group"
    who = questions.user("telegram", user.id if user else chat.id)
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
    session = _session(context)
    match session.section(ref):
        case ShowSection(section=section):
            await _show_section(update, session, section)
        case ListSections():
            await sections_command(update, context)
        case Notice(text=text):
            await _reply(update, render.escape(text))


async def _show_section(update: Update, session: Session, section: Section) -> None:
    pages = render.section_pages(section)
    markup = keyboards.section_keyboard(session.article, section.number, 0, len(pages))
    await _reply(update, pages[0], markup)


async def sections_command(update: Update, context: Context_) -> None:
    """List the sections, each a button."""
    article = _session(context).article
    await _reply(update, render.sections_html(article), keyboards.sections_keyboard(article))


async def section_button(update: Update, context: Context_) -> None:
    """Send a page of a section as a new message (s:N:P), or show it in place (n:N:P)."""
    query = update.callback_query
    assert query is not None
    article = _session(context).article
    press = keyboards.parse(query.data)
    section = article.section(press.section) if press.section is not None else None
    pages = render.section_pages(section) if section else ()
    page = press.page if press.page is not None else -1
    if section is None or not 0 <= page < len(pages) or update.effective_chat is None:
        await stale_button(update, context)
        return
    markup = keyboards.section_keyboard(article, section.number, page, len(pages))
    await query.answer()
    if press.kind == "s" or query.message is None:
        await _reply(update, pages[page], markup)
        return
    try:
        await query.edit_message_text(pages[page], reply_markup=markup)
    except BadRequest as exc:  # pressed twice: "message is not modified"
        if "not modified" not in str(exc):
            raise


async def list_button(update: Update, context: Context_) -> None:
    """Send the list of sections."""
    assert update.callback_query is not None
    if update.effective_chat is None:  # a button of an inline message: none of ours
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    await sections_command(update, context)


async def more_button(update: Update, context: Context_) -> None:
    """Send the answer's further candidates, each quoted."""
    query = update.callback_query
    assert query is not None
    article = _session(context).article
    passages = [p for pid in keyboards.parse(query.data).passage_ids if (p := article.passage(pid))]
    if not passages or update.effective_chat is None:
        await stale_button(update, context)
        return
    await query.answer()
    heading = render.escape(messages.said(messages.MORE_CANDIDATES, "ja"))
    html = f"<b>{heading}</b>\n\n{render.passages_html(passages)}"
    await _reply(update, html, keyboards.read_keyboard(passages, "ja"))


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
    await query.answer(messages.THANKS)


async def privacy_command(update: Update, context: Context_) -> None:
    """Say what the question log keeps of the user and for how long (or that it is off)."""
    questions = context.bot_data.log
    language = _language(update)
    if questions is None:
        await _reply(update, render.escape(messages.said(messages.PRIVACY_OFF, language)))
        return
    days = f"{questions.retention / 86_400:g}"
    await _reply(update, render.escape(messages.said(messages.PRIVACY, language).format(days=days)))


async def forget_command(update: Update, context: Context_) -> None:
    """Delete the user's questions and votes from the question log, and say how many."""
    questions, user = context.bot_data.log, update.effective_user
    language = _language(update)
    if questions is None or user is None:
        await _reply(update, render.escape(messages.said(messages.FORGET_OFF, language)))
        return
    done = asyncio.wrap_future(questions.forget(questions.user("telegram", user.id)))
    try:
        asked, votes = await asyncio.wait_for(done, FORGET_WAIT)
    except (TimeoutError, OSError):  # locked for long, or failing: it stays queued, if it could be
        await _reply(update, render.escape(messages.said(messages.FORGET_LATER, language)))
        return
    text = messages.said(messages.FORGOTTEN, language).format(questions=asked, votes=votes)
    await _reply(update, render.escape(text))


def _language(update: Update) -> str:
    """The language the user's Telegram client is set to, as messages.said reads it."""
    code = update.effective_user.language_code if update.effective_user else None
    return (code or "ja").split("-")[0].lower()


async def stale_button(update: Update, context: Context_) -> None:
    """Tell the user that a button is stale or forged."""
    assert update.callback_query is not None
    await update.callback_query.answer(messages.STALE_BUTTON, show_alert=True)


async def inline_query(update: Update, context: Context_) -> None:
    """Offer the best passages for `@bot question`, each titled by its sentence that answers
    and posting that and its passage; the sections for an empty query; and, when the article
    does not answer, a button into the bot instead of unrelated passages."""
    query = update.inline_query
    assert query is not None
    session = _session(context)
    if not query.query.strip():
        results = [
            InlineQueryResultArticle(
                id=f"s{section.number}",
                title=messages.label(section.number, section.title),
                description=section.paragraphs[0] if section.paragraphs else None,
                input_message_content=InputTextMessageContent(render.section_card_html(section)),
            )
            for section in session.article.sections
        ]
        await query.answer(results, cache_time=300)
        return
    search = partial(session.retriever.search, query.query, INLINE_RESULTS)
    answer: Answer = await _retrieve(update, context, search, query.query)
    if not answer.answered:
        into = InlineQueryResultsButton(
            messages.said(messages.INLINE_INTO_BOT, answer.language), start_parameter="inline"
        )
        await query.answer([], cache_time=300, button=into)
        return
    results = []
    for hit in answer.hits:
        said = answer.lead if answer.lead in hit.passage.text else hit.excerpt
        results.append(
            InlineQueryResultArticle(
                id=hit.passage.id,
                title=f"{messages.label(hit.passage.section)} {said}",
                description=hit.passage.title,
                input_message_content=InputTextMessageContent(render.card_html(hit, said)),
            )
        )
    await query.answer(results, cache_time=300)


async def not_text(update: Update, context: Context_) -> None:
    """Hint that questions are asked in text (stickers, photos, voice…)."""
    await _reply(update, render.escape(messages.NOT_TEXT))


async def unknown_command(update: Update, context: Context_) -> None:
    """Point to /help for a command the bot does not know."""
    await _reply(update, render.escape(messages.UNKNOWN_COMMAND))


async def error(update: object, context: Context_) -> None:
    """Log the error and apologize to the user instead of leaving them in silence."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(
                update.effective_chat.id, render.escape(messages.APOLOGY)
            )
        except Exception:  # the Bot API may be what failed; the log has it already
            log.warning("could not send the apology", exc_info=True)


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send `text` (Telegram HTML, the Defaults' parse mode) to the chat of the update, as a
    reply in groups."""
    message = update.effective_message
    chat = update.effective_chat
    assert chat is not None
    quote = message is not None and chat.type != chat.PRIVATE and update.callback_query is None
    await chat.send_message(
        text,
        reply_markup=markup,
        reply_to_message_id=message.message_id if quote and message else None,
    )
