"""Webhook mode over real HTTP: updates with the right secret are answered, others get 403."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from emulator import DEFAULT_USER, Chat, Emulator
from test_bot import check_everything_sent, html

pytestmark = pytest.mark.e2e

SECRET = "s3cret-Webhook_token"
WEBHOOK_URL = "https://bot.example.invalid/telegram"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def webhook_bot(emulator: Emulator, hybrid: object) -> Iterator[str]:
    """`interview-bot run` in webhook mode; yields the local URL it listens on. (`hybrid`: the
    default retrieval's index is built in the tests' cache before the bot starts.)"""
    port = free_port()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    args = ["run", "--webhook-url", WEBHOOK_URL, "--listen", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts slowly
        while True:  # up once the server accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "webhook server did not start"
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0, output
        assert emulator.token not in output


def update(update_id: int, text: str) -> dict[str, object]:
    user = DEFAULT_USER.to_dict()
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "from": user,
            "chat": Chat.private(DEFAULT_USER).to_dict(),
            "text": text,
        },
    }


async def test_webhook_is_registered_with_its_secret(emulator: Emulator, webhook_bot: str) -> None:
    calls = await emulator.wait_for_requests("setWebhook")
    assert calls[0].params["url"] == WEBHOOK_URL
    assert calls[0].params["secret_token"] == SECRET


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_requests_without_the_secret_are_refused_and_change_nothing(
    emulator: Emulator, webhook_bot: str, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient() as client:
        refused = await client.post(webhook_bot, json=update(1, "大学の授業料は?"), headers=headers)
        assert refused.status_code == 403
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        accepted = await client.post(
            webhook_bot, json=update(2, "将来の世界の通貨は?"), headers=good
        )
        assert accepted.status_code == 200
    replies = await emulator.wait_for_messages(DEFAULT_USER.id, 1)
    await emulator.wait_idle()
    assert len(emulator.sent_messages(DEFAULT_USER.id)) == 1
    assert "§6" in html(replies[0])
    check_everything_sent(emulator)


def test_webhook_mode_needs_a_secret_and_https() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["TELEGRAM_BOT_TOKEN"] = "123456:" + "A" * 35
    for extra, message in (
        ([], "TELEGRAM_WEBHOOK_SECRET"),
        (["--webhook-url", "http://bot.example.invalid/telegram"], "https://"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run", "--webhook-url", WEBHOOK_URL, *extra],
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2
        assert message in result.stderr and "Traceback" not in result.stderr
