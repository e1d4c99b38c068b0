"""Talking to the bot through the fake Bot API, and checking what it sent."""

from __future__ import annotations

import re
import socket
from typing import Any

from bot.settings import Settings
from tests.support.emulator import DEFAULT_USER, Chat, Emulator, SentMessage
from tests.support.telegram_html import check_html, check_message

SECRET = "s3cret-Webhook_token"
WEBHOOK_URL = "https://bot.example.invalid/telegram"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings(emu: Emulator, **changes: Any) -> Settings:
    return Settings(token=emu.token, base_url=emu.base_url, **changes)


def check_everything_sent(emu: Emulator) -> None:
    """Every text the bot sent or edited, and every inline result, is valid for Telegram."""
    for request in emu.requests():
        if request.method in ("sendMessage", "editMessageText"):
            check_message(request.params)
        if request.method == "editMessageReplyMarkup":  # (its buttons: a text has none)
            check_message({"text": "-", "reply_markup": request.params.get("reply_markup")})
        if request.method == "answerInlineQuery":
            for result in request.params["results"]:
                content = result["input_message_content"]
                assert content["parse_mode"] == "HTML"
                check_html(content["message_text"])
    emu.assert_token_not_leaked()


async def ask(
    emu: Emulator, text: str, *, chat: Chat | None = None, timeout: float = 5.0
) -> SentMessage:
    chat_id = (chat or Chat.private(DEFAULT_USER)).id
    before = len(emu.sent_messages(chat_id))
    await emu.send_text(text, chat=chat)
    return (await emu.wait_for_messages(chat_id, before + 1, timeout=timeout))[-1]


def html(message: SentMessage) -> str:
    """The HTML the bot sent (or last edited in), as opposed to the text Telegram shows."""
    return message.texts[-1]


def sections_of(message: SentMessage) -> list[int]:
    return [int(n) for n in re.findall(r"<b>§(\d+)</b>", html(message))]
