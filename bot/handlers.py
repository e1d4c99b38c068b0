"""Thin python-telegram-bot handlers: each asks the core and hands the result to a renderer."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TimedOut
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters

from bot import keyboards, render
from bot.limits import QuestionLimit, Verdict
from index.article import Article, parse_section_ref
from index.search import Answer, Retriever

log = logging.getLogger(__name__)

SHOWN = 3  # excerpts in one answer
CANDIDATES = 6  # passages retrieved: the ones past SHOWN go behind the "more" button
INLINE_RESULTS = 5

HELP = """<b>マスク氏インタビューQ&amp;Aボット</b>
イーロン・マスク氏が今後3〜7年(AI、仕事、教育、ロボット、エネルギー、宇宙、中国)\
について語ったインタビュー記事「{headline}」について、質問に記事の該当箇所を引用して\
答えます。引用はすべて記事の原文で、<b>§N</b> は章の番号です。

出典: TechFlow(劉潤による要約。ポッドキャスト「Moonshots」でのインタビュー)

<b>質問の例</b>
・ロボットが外科医を超えるのはいつ?
・老後のためにお金を貯めておくべき?
・AIに最初に仕事を奪われるのは誰?

<b>コマンド</b>
/ask 質問 — 記事に質問する(グループではこちらか、@{username} をつけて)
/section N — 第N章を読む(0〜{last})
/sections — 章の一覧
/help — この説明

質問を編集すると、編集後の質問にあらためて答えます。"""

NOT_TEXT = (
    "文字で質問してください。例: 「ロボットが外科医を超えるのはいつ?」 /help で使い方を表示します。"
)
EMPTY_ASK = "/ask のあとに質問を書いてください。例: /ask 将来の世界の通貨は何になる"
STALE_BUTTON = "このボタンは古くなっています。/sections から開き直してください。"
APOLOGY = "すみません、処理中にエラーが起きました。もう一度お試しください。"
UNKNOWN_COMMAND = "知らないコマンドです。/help で使い方を表示します。"
TOO_MANY = "質問が続いています。少し時間をおいてから、もう一度どうぞ。"


def _index(context: ContextTypes.DEFAULT_TYPE) -> Retriever:
    return cast(Retriever, context.bot_data["index"])


async def _search(context: ContextTypes.DEFAULT_TYPE, question: str, k: int) -> Answer:
    """The core's answer, computed in a thread: the encoder takes milliseconds, and the event
    loop goes on with other updates meanwhile."""
    return await asyncio.to_thread(_index(context).search, question, k)


def _article(context: ContextTypes.DEFAULT_TYPE) -> Article:
    return _index(context).article


class AddressedToBot(filters.MessageFilter):
    """Group messages meant for the bot: ones that @mention it or reply to its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        mentions = message.parse_entities([MessageEntity.MENTION]).values()
        return f"@{bot.username}".lower() in (m.lower() for m in mentions)


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop every update from a chat (or inline user) outside ALLOWED_CHAT_IDS."""
    allowed: frozenset[int] | None = context.bot_data.get("allowed_chat_ids")
    if allowed is None:
        return
    chat = update.effective_chat
    who = chat.id if chat else (update.effective_user.id if update.effective_user else None)
    if who not in allowed:
        raise ApplicationHandlerStop


async def limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer only so many questions a user: past the limit, say so once, then stay silent."""
    if update.effective_user is None:
        return
    verdict = cast(QuestionLimit, context.bot_data["limit"]).check(update.effective_user.id)
    if verdict is Verdict.ANSWER:
        return
    if verdict is Verdict.NOTICE and update.effective_message and not update.callback_query:
        await _reply(update, render.escape(TOO_MANY))
    raise ApplicationHandlerStop


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot is, where the article comes from, and how to ask."""
    article = _article(context)
    text = HELP.format(
        headline=render.escape(article.headline),
        username=context.bot.username,
        last=article.sections[-1].number,
    )
    await _reply(update, text)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the question after /ask."""
    question = " ".join(context.args or [])
    if not question.strip():
        await _reply(update, render.escape(EMPTY_ASK))
        return
    await _answer(update, context, question)


async def ask_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a message as a question (a mention of the bot is not part of it)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    question = message.text.replace(f"@{context.bot.username}", " ")
    await _answer(update, context, question)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    answer = await _search(context, question, CANDIDATES)
    await _reply(
        update, render.answer_html(answer, SHOWN), keyboards.answer_keyboard(answer, SHOWN)
    )


async def section_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the section named after /section, or the list when none is named."""
    ref = " ".join(context.args or [])
    if not ref.strip():
        await sections_command(update, context)
        return
    await _send_section(update, context, ref)


async def section_shortcut(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show a section asked for as "§5" in a private chat."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _send_section(update, context, message.text)


async def _send_section(update: Update, context: ContextTypes.DEFAULT_TYPE, ref: str) -> None:
    article = _article(context)
    number = parse_section_ref(ref)
    section = article.section(number) if number is not None else None
    if section is None:
        await _reply(update, render.unknown_section_html(ref, article))
        return
    pages = render.section_pages(section)
    await _reply(
        update, pages[0], keyboards.section_keyboard(article, section.number, 0, len(pages))
    )


async def sections_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the sections, each a button."""
    article = _article(context)
    await _reply(update, render.sections_html(article), keyboards.sections_keyboard(article))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Act on a button press; everything it needs is in its callback_data."""
    query = update.callback_query
    assert query is not None
    article = _article(context)
    press = keyboards.parse(query.data)
    if press.kind in ("s", "n"):
        section = article.section(press.section) if press.section is not None else None
        pages = render.section_pages(section) if section else ()
        page = press.page if press.page is not None else -1
        if section is None or not 0 <= page < len(pages):
            await query.answer(STALE_BUTTON, show_alert=True)
            return
        markup = keyboards.section_keyboard(article, section.number, page, len(pages))
        await query.answer()
        if press.kind == "n" and query.message is not None:
            try:
                await query.edit_message_text(
                    pages[page], parse_mode=ParseMode.HTML, reply_markup=markup
                )
            except BadRequest as exc:  # pressed twice: "message is not modified"
                if "not modified" not in str(exc):
                    raise
        else:
            await _reply(update, pages[page], markup)
    elif press.kind == "l":
        await query.answer()
        await _reply(update, render.sections_html(article), keyboards.sections_keyboard(article))
    elif press.kind == "m":
        passages = [p for pid in press.passage_ids if (p := article.passage(pid))]
        if not passages:
            await query.answer(STALE_BUTTON, show_alert=True)
            return
        await query.answer()
        await _reply(update, "\n\n".join(render.passage_html(p) for p in passages))
    else:
        await query.answer(STALE_BUTTON, show_alert=True)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the best passages for `@bot question`, or the sections for an empty query."""
    query = update.inline_query
    assert query is not None
    index = _index(context)
    results = []
    if not query.query.strip():
        for section in index.article.sections:
            results.append(
                InlineQueryResultArticle(
                    id=f"s{section.number}",
                    title=f"§{section.number} {section.title}",
                    description=section.paragraphs[0] if section.paragraphs else None,
                    input_message_content=InputTextMessageContent(
                        render.section_pages(section)[0], parse_mode=ParseMode.HTML
                    ),
                )
            )
    else:
        answer = await _search(context, query.query, INLINE_RESULTS)
        for hit in answer.hits:
            results.append(
                InlineQueryResultArticle(
                    id=hit.passage.id,
                    title=f"§{hit.passage.section} {hit.passage.title}",
                    description=hit.excerpt,
                    input_message_content=InputTextMessageContent(
                        render.hit_html(hit), parse_mode=ParseMode.HTML
                    ),
                )
            )
    await query.answer(results, cache_time=300)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hint that questions are asked in text (stickers, photos, voice…)."""
    await _reply(update, render.escape(NOT_TEXT))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help for a command the bot does not know."""
    await _reply(update, render.escape(UNKNOWN_COMMAND))


async def error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and apologize to the user instead of leaving them in silence."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(context.error, TimedOut):
        return  # the reply may have reached the chat after all: an apology would mislead
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, APOLOGY)
        except Exception:  # the Bot API may be what failed; the log has it already
            log.warning("could not send the apology", exc_info=True)


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send `text` (Telegram HTML) to the chat of the update, as a reply in groups."""
    message = update.effective_message
    chat = update.effective_chat
    assert chat is not None
    quote = message is not None and chat.type != chat.PRIVATE and update.callback_query is None
    await chat.send_message(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        disable_web_page_preview=True,
        reply_to_message_id=message.message_id if quote and message else None,
    )
