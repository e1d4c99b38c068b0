"""The emulator works with a real python-telegram-bot 22 Application over real HTTP."""

from __future__ import annotations

import asyncio
import statistics
import time
import warnings
from typing import Any

import httpx
import pytest
from emulator import DEFAULT_USER, Chat, Emulator, User, detect_entities, polling, utf16_len
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

App = Application[Any, Any, Any, Any, Any, Any]
Ctx = ContextTypes.DEFAULT_TYPE

pytestmark = pytest.mark.e2e


def build_app(emu: Emulator, token: str | None = None, **timeouts: float) -> App:
    builder = ApplicationBuilder().token(token or emu.token).base_url(emu.base_url)
    if timeouts:
        builder = builder.read_timeout(timeouts["read"]).connect_timeout(
            timeouts.get("connect", 5.0)
        )
    return builder.build()


async def echo(update: Update, context: Ctx) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def echo_app(emu: Emulator, token: str | None = None) -> App:
    app = build_app(emu, token)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


# ---------------------------------------------------------------- basics


@pytest.mark.asyncio
async def test_echo_text_message(emulator: Emulator) -> None:
    app = echo_app(emulator)
    async with polling(app):
        sent = await emulator.send_text("こんにちは, bot 👋")
        (reply,) = await emulator.wait_for_messages(DEFAULT_USER.id)
    assert reply.text == "こんにちは, bot 👋"
    assert reply.chat_id == DEFAULT_USER.id
    assert reply.parse_mode is None
    assert reply.message["from"]["is_bot"] is True
    assert sent["message_id"] > 0 and sent["chat"]["type"] == "private"
    # getMe answered with is_bot (PTB's initialize needs it).
    (get_me,) = emulator.requests("getMe")
    assert get_me.result["is_bot"] is True and get_me.result["username"] == "TestNameBot"
    assert await emulator.pending_updates() == 0  # the bot confirmed the update via offset


@pytest.mark.asyncio
async def test_command_handler_gets_command(emulator: Emulator) -> None:
    seen: list[list[str]] = []

    async def start(update: Update, context: Ctx) -> None:
        assert update.effective_message is not None
        seen.append(list(context.args or []))
        await update.effective_message.reply_text(f"started with {len(context.args or [])} args")

    app = build_app(emulator)
    app.add_handler(CommandHandler("start", start))
    group = Chat.group(-1009999, "Readers")
    async with polling(app):
        await emulator.send_command("start", "foo bar")
        await emulator.send_command("start", chat=group, address_bot=True)
        await emulator.send_command("other")  # not handled
        await emulator.wait_for_messages(DEFAULT_USER.id)
        await emulator.wait_for_messages(group.id)
        await emulator.wait_idle()
    assert seen == [["foo", "bar"], []]
    assert [m.text for m in emulator.sent_messages(DEFAULT_USER.id)] == ["started with 2 args"]


@pytest.mark.asyncio
async def test_group_message_mentioning_bot(emulator: Emulator) -> None:
    mentions: list[str] = []

    async def on_mention(update: Update, context: Ctx) -> None:
        message = update.effective_message
        assert message is not None
        mentions.extend(message.parse_entities([MessageEntity.MENTION]).values())
        await message.reply_text("you called?")

    app = build_app(emulator)
    app.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.Entity(MessageEntity.MENTION), on_mention)
    )
    group = Chat.group(-1001111, "Book club")
    async with polling(app):
        await emulator.send_group_message("no mention here", group=group)
        await emulator.send_group_message("📚 where is chapter 3?", group=group, mention_bot=True)
        (reply,) = await emulator.wait_for_messages(group.id)
    assert mentions == ["@TestNameBot"]
    assert reply.text == "you called?"
    assert reply.message["chat"] == {"id": group.id, "type": "supergroup", "title": "Book club"}


@pytest.mark.asyncio
async def test_reply_to_bot_message(emulator: Emulator) -> None:
    async def on_text(update: Update, context: Ctx) -> None:
        message = update.effective_message
        assert message is not None
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == context.bot.id:
            await message.reply_text(f"you answered: {replied.text}")
        else:
            await message.reply_text("question?")

    app = build_app(emulator)
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    async with polling(app):
        await emulator.send_text("hi")
        (question,) = await emulator.wait_for_messages(DEFAULT_USER.id)
        await emulator.reply(question, "42")
        messages = await emulator.wait_for_messages(DEFAULT_USER.id, 2)
    assert messages[1].text == "you answered: question?"


@pytest.mark.asyncio
async def test_callback_button_press_and_edit(emulator: Emulator) -> None:
    async def menu(update: Update, context: Ctx) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next ▶", callback_data="page:2")]])
        await update.effective_message.reply_text(
            "<b>Page 1</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def on_button(update: Update, context: Ctx) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None and query.message is not None
        await query.answer(f"going to {query.data}")
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("◀ Back", callback_data="page:1")]])
        await query.edit_message_text(
            "<b>Page 2</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    app = build_app(emulator)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(on_button))
    async with polling(app):
        await emulator.send_command("menu")
        (message,) = await emulator.wait_for_messages(DEFAULT_USER.id)
        assert message.parse_mode == "HTML" and [b["text"] for b in message.buttons] == ["Next ▶"]
        query_id = await emulator.press_button(message, text="Next ▶")
        await emulator.wait_for_edit(message)
        await emulator.wait_for(lambda: emulator.callback_answers(query_id))
        with pytest.raises(ValueError, match="no button"):
            await emulator.press_button(message, "page:2")  # that button is gone now

        # Editing to identical content is refused, as by Telegram.
        with pytest.raises(BadRequest, match="not modified"):
            await app.bot.edit_message_text(
                "<b>Page 2</b>",
                chat_id=message.chat_id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("◀ Back", callback_data="page:1")]]
                ),
            )
    assert emulator.callback_answers(query_id) == [
        {"callback_query_id": query_id, "text": "going to page:2"}
    ]
    assert message.text == "<b>Page 2</b>" and message.parse_mode == "HTML"
    assert message.buttons == [{"text": "◀ Back", "callback_data": "page:1"}]
    assert message.texts == ["<b>Page 1</b>", "<b>Page 2</b>"]
    assert len(emulator.edits(message.chat_id)) == 1


@pytest.mark.asyncio
async def test_inline_query_answer_recorded(emulator: Emulator) -> None:
    async def inline(update: Update, context: Ctx) -> None:
        query = update.inline_query
        assert query is not None
        result = InlineQueryResultArticle(
            id="1",
            title=f"Result for {query.query}",
            input_message_content=InputTextMessageContent("<i>hit</i>", parse_mode="HTML"),
        )
        await query.answer([result], cache_time=0)

    app = build_app(emulator)
    app.add_handler(InlineQueryHandler(inline))
    async with polling(app):
        query_id = await emulator.send_inline_query("chapter")
        (answer,) = await emulator.wait_for(lambda: emulator.inline_answers(query_id))
        # A query can be answered only once.
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await app.bot.answer_inline_query(query_id, [])
    assert answer["results"][0]["title"] == "Result for chapter"
    assert answer["cache_time"] == 0
    assert ("answerInlineQuery", "<i>hit</i>", "HTML") in emulator.outgoing_texts()


@pytest.mark.asyncio
async def test_set_my_commands_and_chat_action(emulator: Emulator) -> None:
    async def typing_then_reply(update: Update, context: Ctx) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        await update.effective_message.reply_text("done")

    app = build_app(emulator)
    app.add_handler(MessageHandler(filters.TEXT, typing_then_reply))
    async with polling(app):
        assert await app.bot.set_my_commands(
            [BotCommand("start", "Start"), BotCommand("help", "Help")]
        )
        assert [c.command for c in await app.bot.get_my_commands()] == ["start", "help"]
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])
        await emulator.send_text("hello")
        await emulator.wait_for_messages(DEFAULT_USER.id)
    assert emulator.commands_set() == [
        {
            "commands": [
                {"command": "start", "description": "Start"},
                {"command": "help", "description": "Help"},
            ]
        }
    ]
    assert emulator.chat_actions(DEFAULT_USER.id) == ["typing"]


@pytest.mark.asyncio
async def test_edited_message_sticker_photo_and_raw_update(emulator: Emulator) -> None:
    async def on_edit(update: Update, context: Ctx) -> None:
        assert update.edited_message is not None
        await update.edited_message.reply_text(f"edited to {update.edited_message.text}")

    async def on_sticker(update: Update, context: Ctx) -> None:
        assert update.message is not None and update.message.sticker is not None
        await update.message.reply_text(f"sticker {update.message.sticker.emoji}")

    async def on_photo(update: Update, context: Ctx) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"photo {len(update.message.photo)} sizes, caption {update.message.caption}"
        )

    app = build_app(emulator)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit))
    app.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, echo))
    bob = User(2002, "Bob", "bob")
    async with polling(app):
        original = await emulator.send_text("tpyo", user=bob)
        await emulator.wait_for_messages(bob.id, 1)
        await emulator.edit_user_message(original, "typo")
        await emulator.send_sticker(user=bob, emoji="🦉")
        await emulator.send_photo(user=bob, caption="cover")
        raw = {
            "message": {"from": bob.to_dict(), "chat": Chat.private(bob).to_dict(), "text": "raw!"}
        }
        stored = await emulator.inject_update(raw)
        messages = await emulator.wait_for_messages(bob.id, 5)
    assert stored["update_id"] > 0 and stored["message"]["message_id"] > 0
    assert [m.text for m in messages] == [
        "tpyo",
        "edited to typo",
        "sticker 🦉",
        "photo 3 sizes, caption cover",
        "raw!",
    ]


@pytest.mark.asyncio
async def test_telegram_test_api_client_routes_still_work(emulator: Emulator) -> None:
    """Updates queued through telegram-test-api's own client API reach PTB, format fixed."""
    app = build_app(emulator)
    got: list[str] = []

    async def start(update: Update, context: Ctx) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        got.append(update.effective_message.text)
        await update.effective_message.reply_text("started")

    app.add_handler(CommandHandler("start", start))
    message = {
        "botToken": emulator.token,
        "from": {"id": 77, "first_name": "Native", "is_bot": False},
        "chat": {"id": 77, "type": "private", "first_name": "Native"},
        "date": int(time.time()),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    async with polling(app), httpx.AsyncClient(base_url=emulator.url) as client:
        response = await client.post("/sendCommand", json=message)
        assert response.json() == {"ok": True, "result": None}
        await emulator.wait_for_messages(77)
    assert got == ["/start"]


# ---------------------------------------------------------------- recording


@pytest.mark.asyncio
async def test_request_log_records_parsed_params_without_token(emulator: Emulator) -> None:
    app = build_app(emulator)
    async with app:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x")]])
        await app.bot.send_message(
            DEFAULT_USER.id, "<b>bold</b> & co", parse_mode="HTML", reply_markup=keyboard
        )
        await app.bot.send_message(-100500, "plain", disable_notification=True)
    await emulator.refresh()
    first, second = emulator.requests("sendMessage")
    assert first.params == {
        "chat_id": DEFAULT_USER.id,
        "text": "<b>bold</b> & co",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]},
    }
    assert second.params == {"chat_id": -100500, "text": "plain", "disable_notification": True}
    assert emulator.outgoing_texts() == [
        ("sendMessage", "<b>bold</b> & co", "HTML"),
        ("sendMessage", "plain", None),
    ]
    assert [r.method for r in emulator.requests()] == ["getMe", "sendMessage", "sendMessage"]
    emulator.assert_token_not_leaked()

    async with app:
        await app.bot.send_message(DEFAULT_USER.id, f"oops {emulator.token}")
    await emulator.refresh()
    with pytest.raises(AssertionError, match="leaked"):
        emulator.assert_token_not_leaked()


@pytest.mark.asyncio
async def test_multipart_uploads_and_caption_edits(emulator: Emulator) -> None:
    app = build_app(emulator)
    async with app:
        photo = await app.bot.send_photo(
            DEFAULT_USER.id, b"\x89PNG...", caption="<b>cover</b>", parse_mode="HTML"
        )
        await app.bot.send_document(DEFAULT_USER.id, b"text", filename="notes.txt")
        edited = await app.bot.edit_message_caption(
            chat_id=DEFAULT_USER.id, message_id=photo.message_id, caption="new cover"
        )
    assert photo.photo and edited.caption == "new cover"
    await emulator.refresh()
    upload = emulator.requests("sendDocument")[0].params["document"]
    assert upload == {"filename": "notes.txt", "size": 4, "content_type": "text/plain"}
    first, _ = emulator.sent_messages(DEFAULT_USER.id)
    assert first.caption == "new cover" and first.parse_mode is None
    assert ("sendPhoto", "<b>cover</b>", "HTML") in emulator.outgoing_texts()


@pytest.mark.asyncio
async def test_getupdates_long_polls_and_honours_offset(emulator: Emulator) -> None:
    api = f"{emulator.base_url}{emulator.token}"
    async with httpx.AsyncClient(timeout=10) as client:
        started = time.monotonic()
        empty = (await client.post(f"{api}/getUpdates", data={"timeout": "1"})).json()
        assert empty == {"ok": True, "result": []}
        assert time.monotonic() - started >= 0.9  # held, not answered at once

        poll = asyncio.create_task(client.post(f"{api}/getUpdates", data={"timeout": "30"}))
        while (await emulator.health())["long_polls"] == 0:  # until the request is held
            await asyncio.sleep(0.01)
        assert not poll.done()
        await emulator.send_text("wake up")
        (update,) = (await poll).json()["result"]
        assert update["message"]["text"] == "wake up"

        # Not confirmed yet: delivered again; confirmed by offset: gone.
        again = (await client.post(f"{api}/getUpdates", data={"offset": "0"})).json()["result"]
        assert [u["update_id"] for u in again] == [update["update_id"]]
        after = (
            await client.post(f"{api}/getUpdates", data={"offset": str(update["update_id"] + 1)})
        ).json()
        assert after["result"] == []
    assert await emulator.pending_updates() == 0


@pytest.mark.asyncio
async def test_reset_clears_state(emulator: Emulator) -> None:
    app = build_app(emulator)
    async with app:
        await app.bot.send_message(DEFAULT_USER.id, "x")
    await emulator.send_text("queued")
    await emulator.inject_fault("500", count=5)
    await emulator.refresh()
    assert emulator.sent_messages() and await emulator.pending_updates() == 1
    await emulator.reset()
    await emulator.refresh()
    assert emulator.sent_messages() == [] and emulator.requests() == []
    assert await emulator.pending_updates() == 0
    async with app:  # faults are gone too
        await app.bot.send_message(DEFAULT_USER.id, "y")


# ---------------------------------------------------------------- scale


@pytest.mark.asyncio
async def test_round_trip_latency(emulator: Emulator) -> None:
    app = echo_app(emulator)
    rounds = 30
    timings: list[float] = []
    async with polling(app):
        for i in range(rounds):
            started = time.perf_counter()
            await emulator.send_text(f"ping {i}")
            await emulator.wait_for_messages(DEFAULT_USER.id, i + 1)
            timings.append((time.perf_counter() - started) * 1000)
    median, worst = statistics.median(timings), max(timings)
    print(f"\nround trip over {rounds}: median {median:.1f} ms, max {worst:.1f} ms")
    assert [m.text for m in emulator.sent_messages(DEFAULT_USER.id)] == [
        f"ping {i}" for i in range(rounds)
    ]


@pytest.mark.asyncio
async def test_many_chats_concurrently(emulator: Emulator) -> None:
    app = echo_app(emulator)
    chats, per_chat = 20, 10
    users = [User(5000 + n, f"User{n}") for n in range(chats)]

    async def talk(user: User) -> None:
        for i in range(per_chat):
            await emulator.send_text(f"{user.first_name} says {i}", user=user)

    started = time.perf_counter()
    async with polling(app):
        await asyncio.gather(*(talk(u) for u in users))
        await emulator.wait_for(
            lambda: all(len(emulator.sent_messages(u.id)) == per_chat for u in users),
            timeout=30,
            what="all echoes",
        )
    print(f"\n{chats * per_chat} echoes in {time.perf_counter() - started:.2f}s")
    for user in users:
        assert [m.text for m in emulator.sent_messages(user.id)] == [
            f"{user.first_name} says {i}" for i in range(per_chat)
        ]


@pytest.mark.asyncio
async def test_two_bots_with_different_tokens(emulator: Emulator) -> None:
    other = "654321:OTHER-bot-token"
    await emulator.configure_bot(other, username="OtherBot", first_name="Other")
    first, second = echo_app(emulator), echo_app(emulator, other)
    async with polling(first), polling(second):
        assert second.bot.username == "OtherBot" and second.bot.id == 654321
        await emulator.send_text("to first")
        await emulator.send_text("to second", token=other)
        await emulator.wait_for(lambda: len(emulator.sent_messages(DEFAULT_USER.id)) == 2)
    assert [m.text for m in emulator.sent_messages(DEFAULT_USER.id, token=emulator.token)] == [
        "to first"
    ]
    assert [m.text for m in emulator.sent_messages(DEFAULT_USER.id, token=other)] == ["to second"]


# ---------------------------------------------------------------- webhook


@pytest.mark.asyncio
async def test_webhook_delivery_with_secret_token(emulator: Emulator, unused_tcp_port: int) -> None:
    app = echo_app(emulator)
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    async with app:
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=unused_tcp_port,
            url_path="hook",
            webhook_url=url,
            secret_token="s3cret",
        )
        await app.start()
        try:
            (set_webhook,) = await emulator.wait_for_requests("setWebhook")
            assert (
                set_webhook.params["url"] == url and set_webhook.params["secret_token"] == "s3cret"
            )
            with pytest.raises(Conflict):
                await app.bot.get_updates()
            await emulator.send_text("via webhook")
            (reply,) = await emulator.wait_for_messages(DEFAULT_USER.id)
            assert reply.text == "via webhook"
            (delivery,) = emulator.requests(kind="webhook")
            assert delivery.status == 200
            # A delivery with the wrong secret is refused by PTB's webhook server.
            status, _ = await emulator.post_webhook(url, {"update_id": 1}, secret_token="wrong")
            assert status == 403
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------- fault injection


@pytest.mark.asyncio
async def test_fault_500_and_count(emulator: Emulator) -> None:
    app = build_app(emulator)
    async with app:
        await emulator.inject_fault("500", count=2, methods=["sendMessage"])
        for _ in range(2):
            with pytest.raises(NetworkError, match="Internal Server Error"):
                await app.bot.send_message(DEFAULT_USER.id, "x")
        assert await app.bot.send_chat_action(
            DEFAULT_USER.id, ChatAction.TYPING
        )  # other methods unaffected
        message = await app.bot.send_message(DEFAULT_USER.id, "third time lucky")
    await emulator.refresh()
    assert [(r.status, r.fault) for r in emulator.requests("sendMessage")] == [
        (500, "500"),
        (500, "500"),
        (200, None),
    ]
    assert [m.message_id for m in emulator.sent_messages()] == [message.message_id]


@pytest.mark.asyncio
async def test_fault_429_retry_after(emulator: Emulator) -> None:
    app = build_app(emulator)
    async with app:
        await emulator.inject_fault("429", retry_after=7)
        with warnings.catch_warnings():  # PTB 22 itself warns about RetryAfter.retry_after's type
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
                await app.bot.send_message(DEFAULT_USER.id, "x")
    await emulator.refresh()
    (request,) = emulator.requests("sendMessage")
    assert request.status == 429
    assert request.response["parameters"] == {"retry_after": 7}


@pytest.mark.asyncio
async def test_fault_custom_error(emulator: Emulator) -> None:
    app = build_app(emulator)
    async with app:
        await emulator.inject_fault(
            "error", error_code=400, description="Bad Request: can't parse entities"
        )
        with pytest.raises(BadRequest, match="parse entities"):
            await app.bot.send_message(DEFAULT_USER.id, "<b>", parse_mode="HTML")
        await emulator.inject_fault(
            "error", error_code=403, description="Forbidden: bot was blocked by the user"
        )
        with pytest.raises(Exception, match="blocked"):
            await app.bot.send_message(DEFAULT_USER.id, "x")


@pytest.mark.asyncio
async def test_fault_hang_then_answer(emulator: Emulator) -> None:
    app = build_app(emulator, read=0.3)
    async with app:
        await emulator.inject_fault("hang", seconds=1.0, methods=["sendMessage"])
        with pytest.raises(TimedOut):
            await app.bot.send_message(DEFAULT_USER.id, "slow")
        # The request was still carried out once the hang ended (ambiguous delivery).
        (message,) = await emulator.wait_for(
            lambda: emulator.sent_messages(DEFAULT_USER.id), timeout=5
        )
        assert message.text == "slow" and message.request.fault == "hang"


@pytest.mark.asyncio
async def test_fault_hang_forever_released_by_reset(emulator: Emulator) -> None:
    app = build_app(emulator, read=0.3)
    async with app:
        await emulator.inject_fault("hang", methods=["sendMessage"])
        with pytest.raises(TimedOut):
            await app.bot.send_message(DEFAULT_USER.id, "never")
        (held,) = await emulator.wait_for_requests("sendMessage")
        assert held.status == 0 and held.fault == "hang"
        await emulator.reset()
        await app.bot.send_message(DEFAULT_USER.id, "fine again")
    await emulator.refresh()
    assert [m.text for m in emulator.sent_messages()] == ["fine again"]


@pytest.mark.asyncio
async def test_fault_refuse_connections_and_polling_recovers(emulator: Emulator) -> None:
    app = echo_app(emulator)
    async with polling(app, timeout=5):
        await emulator.send_text("before")
        await emulator.wait_for_messages(DEFAULT_USER.id, 1)
        await emulator.refuse_connections(1.0)
        async with httpx.AsyncClient() as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"{emulator.url}/control/health")
        with pytest.raises(NetworkError):
            await app.bot.send_message(DEFAULT_USER.id, "during outage")
        await emulator.wait_until_up(timeout=10)
        await emulator.send_text("after")
        messages = await emulator.wait_for_messages(DEFAULT_USER.id, 2, timeout=20)
    assert [m.text for m in messages] == ["before", "after"]


def test_utf16_entity_offsets() -> None:
    assert utf16_len("a👋b") == 4
    assert detect_entities("👋 /start@TestNameBot hi @someone") == [
        {"type": "bot_command", "offset": 3, "length": 18},
        {"type": "mention", "offset": 25, "length": 8},
    ]
