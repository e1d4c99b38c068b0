"""The fake Bot API answers python-telegram-bot as Telegram does, and its faults work."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from tests.support.emulator import DEFAULT_USER, Emulator, detect_entities, polling

pytestmark = pytest.mark.e2e
App = Application[Any, Any, Any, Any, Any, Any]
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("▶", callback_data="next")]])
HTML = '😀 <b>bold <i>both</i></b> &amp; <a href="https://example.com/">link</a>'


def build(emulator: Emulator, read_timeout: float = 5.0) -> App:
    builder = ApplicationBuilder().token(emulator.token).base_url(emulator.base_url)
    return builder.read_timeout(read_timeout).build()


async def test_messages_are_parsed_and_checked_as_telegram_does(emulator: Emulator) -> None:
    async with build(emulator) as app:
        sent = await app.bot.send_message(1001, HTML, parse_mode="HTML", reply_markup=KEYBOARD)
        assert sent.text == "😀 bold both & link" and sent.text_html == HTML
        assert sent.from_user and sent.from_user.is_bot and sent.reply_markup == KEYBOARD
        for bad in ("a < b", "<b>x", "<div>x</div>", "x" * 4097, " "):
            with pytest.raises(BadRequest, match=r"parse entities|too long|empty"):
                await app.bot.send_message(1001, bad, parse_mode="HTML")
        edit = {"chat_id": 1001, "message_id": sent.message_id, "parse_mode": "HTML"}
        with pytest.raises(BadRequest, match="not modified"):
            await app.bot.edit_message_text(HTML, reply_markup=KEYBOARD, **edit)
        edited = await app.bot.edit_message_text(HTML, **edit)  # the keyboard goes
        assert isinstance(edited, Message) and edited.reply_markup is None
        with pytest.raises(BadRequest, match="not found"):
            await app.bot.send_message(1001, "x", reply_to_message_id=999_999)
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])
        (message,) = emulator.sent_messages(1001)
        assert message.texts == [HTML, HTML] and message.buttons == []
        with pytest.raises(ValueError, match="no button"):
            await emulator.press_button(message, "next")
        emulator.assert_token_not_leaked()
        await app.bot.send_message(1001, f"oops {emulator.token}")
    with pytest.raises(AssertionError, match="token in sendMessage"):
        emulator.assert_token_not_leaked()


async def test_a_reply_carries_the_bots_message_as_telegram_delivers_it(
    emulator: Emulator,
) -> None:
    replies: list[Message] = []

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        if update.message.reply_to_message:
            replies.append(update.message.reply_to_message)
        else:
            await update.message.reply_html(HTML, reply_markup=KEYBOARD)

    app = build(emulator)
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    async with polling(app):
        await emulator.send_text("hi")
        (answer,) = await emulator.wait_for_messages(DEFAULT_USER.id)
        await emulator.reply(answer, "and?")
        await emulator.wait_for(lambda: replies, what="the reply")
    (replied,) = replies
    assert replied.message_id == answer.message_id and replied.chat.id == DEFAULT_USER.id
    assert replied.from_user and replied.from_user.is_bot and replied.from_user.id == app.bot.id
    assert replied.text == "😀 bold both & link" and replied.text_html == HTML
    assert replied.reply_markup == KEYBOARD and replied.date.timestamp() <= time.time()


async def test_get_updates_long_polls_and_keeps_updates_until_confirmed(
    emulator: Emulator,
) -> None:
    async with build(emulator) as app:
        started = time.monotonic()
        assert await app.bot.get_updates(timeout=1) == ()
        assert time.monotonic() - started >= 0.9
        poll = asyncio.create_task(app.bot.get_updates(timeout=10))
        await asyncio.sleep(0.2)
        await emulator.send_text("/start@TestNameBot 👋 @alice")
        (update,) = await poll
        assert [e.type for e in update.message.entities] == ["bot_command", "mention"]
        assert [u.update_id for u in await app.bot.get_updates()] == [update.update_id]
        assert await app.bot.get_updates(offset=update.update_id + 1) == ()
        assert await app.bot.set_webhook("https://bot.example.invalid/hook")
        with pytest.raises(Conflict):
            await app.bot.get_updates()
        assert await app.bot.delete_webhook()
        query = await emulator.send_inline_query("q")
        assert await app.bot.answer_inline_query(query, [])
        with pytest.raises(BadRequest, match="query id is invalid"):
            await app.bot.answer_inline_query(query, [])  # once only


async def test_faults_fail_the_requests_they_name_as_often_as_told(emulator: Emulator) -> None:
    async with build(emulator) as app:
        await emulator.inject_fault("500", methods=["sendMessage"], count=2)
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await app.bot.send_message(1001, "x")
        assert await app.bot.set_my_commands([])  # other methods go through
        await emulator.inject_fault("429", retry_after=7)
        with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
            await app.bot.send_message(1001, "x")
        await emulator.inject_fault("error", error_code=403, description="Forbidden: blocked")
        with pytest.raises(Forbidden, match="blocked"):
            await app.bot.send_message(1001, "x")
        await app.bot.send_message(1001, "sent")
    faults = [(r.status, r.fault) for r in emulator.requests("sendMessage")]
    assert faults == [(500, "500"), (500, "500"), (429, "429"), (403, "error"), (200, None)]


async def test_a_hanging_request_times_out_and_is_still_carried_out(emulator: Emulator) -> None:
    async with build(emulator, read_timeout=0.3) as app:
        await emulator.inject_fault("hang", methods=["sendMessage"], seconds=1.0)
        with pytest.raises(TimedOut):
            await app.bot.send_message(1001, "slow")
        (late,) = await emulator.wait_for_messages(1001, timeout=5)
    assert late.texts == ["slow"] and late.request.fault == "hang"


async def test_refused_connections_then_the_same_port_again(emulator: Emulator) -> None:
    port = emulator.port
    async with build(emulator) as app:
        await emulator.refuse_connections(0.5)
        with pytest.raises(NetworkError):
            await app.bot.send_message(1001, "during the outage")
        await emulator.wait_until_up(timeout=5)
        assert emulator.port == port
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{emulator.base_url}{emulator.token}/getMe")
        assert answer.json()["result"]["username"] == "TestNameBot"
        assert await app.bot.send_message(1001, "after")


def test_entities_are_found_in_utf16_code_units() -> None:
    assert detect_entities("👋 /start@TestNameBot hi @someone") == [
        {"type": "bot_command", "offset": 3, "length": 18},
        {"type": "mention", "offset": 25, "length": 8},
    ]
