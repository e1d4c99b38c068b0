"""Webhook mode over real HTTP: updates with the right secret are answered, others get 403."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.chat import (
    SECRET,
    WEBHOOK_URL,
    check_everything_sent,
    free_port,
    html,
    sections_of,
)
from tests.support.emulator import DEFAULT_USER, Chat, Emulator

pytestmark = pytest.mark.e2e


class Running:
    """`interview-bot run` in webhook mode: its URL, and its output once stopped."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc, self.url = proc, url
        self.output: str | None = None

    def stop(self) -> str:
        if self.output is None:
            self.proc.terminate()
            self.output, _ = self.proc.communicate(timeout=10)
        return self.output


@pytest.fixture
def webhook_bot(webhook_run: Running) -> str:
    """The local URL of `interview-bot run` in webhook mode."""
    return webhook_run.url


@pytest.fixture
def webhook_run(emulator: Emulator, hybrid: object) -> Iterator[Running]:
    """`interview-bot run` in webhook mode. (`hybrid`: the default retrieval's index is built
    in the tests' cache before the bot starts.)"""
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
        yield (running := Running(proc, url))
    finally:
        output = running.stop() if "running" in locals() else proc.communicate()[0]
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
        refused = await client.post(webhook_bot, json=update(1, "学歴の価値は?"), headers=headers)
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


GOOD = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def test_the_same_update_posted_twice_is_answered_once(
    emulator: Emulator, webhook_bot: str
) -> None:
    # As Telegram does when its first request got no 200 in time: again, even while the
    # first is still being answered.
    body = update(7, "将来の世界の通貨は何になる")
    async with httpx.AsyncClient(timeout=60) as client:
        posts = [client.post(webhook_bot, json=body, headers=GOOD) for _ in range(2)]
        statuses = [r.status_code for r in await asyncio.gather(*posts)]
        statuses.append((await client.post(webhook_bot, json=body, headers=GOOD)).status_code)
    assert statuses == [200, 200, 200]
    await emulator.wait_for_messages(DEFAULT_USER.id, 1)
    await emulator.wait_idle(quiet=0.5)
    assert len(emulator.sent_messages(DEFAULT_USER.id)) == 1


async def test_a_webhook_request_is_answered_once_its_update_is_handled(
    emulator: Emulator, webhook_bot: str
) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(webhook_bot, json=update(8, "学歴の価値は?"), headers=GOOD)
        # The 200 comes after the reply went out: a crash before it leaves the update with
        # Telegram, which sends it again.
        assert response.status_code == 200
        assert len(emulator.sent_messages(DEFAULT_USER.id)) == 1


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"x" * 20_000_000, {}, 403),  # no secret: refused before the body is read
        (b"x" * 20_000_000, GOOD, 413),  # larger than any update
        (b"{not json", GOOD, 400),
        (b'["an", "array"]', GOOD, 400),
        (b'{"update_id": "seven"}', GOOD, 400),
    ],
    ids=["no-secret-20MB", "secret-20MB", "malformed", "array", "bad-update-id"],
)
async def test_bodies_that_are_no_update_are_refused_without_reading_them(
    emulator: Emulator, webhook_bot: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            response = await client.post(webhook_bot, content=body, headers=headers)
            assert response.status_code == status
        except httpx.TransportError:  # closed before the 20 MB were all sent: refused early
            assert status in (403, 413)
        ok = await client.post(webhook_bot, json=update(9, "将来の世界の通貨は?"), headers=GOOD)
    assert ok.status_code == 200
    assert "§6" in html(emulator.sent_messages(DEFAULT_USER.id)[-1])


BASE = {"message_id": 90, "date": 1, "chat": {"id": DEFAULT_USER.id, "type": "private"}}


@pytest.mark.parametrize(
    "body",
    [
        {"update_id": 1, "message": "x"},
        {"update_id": 2, "message": {"message_id": 90, "text": "hi"}},  # no date, no chat
        {"update_id": 3, "message": BASE | {"text": 5}},
        {"update_id": 4, "message": BASE | {"text": "hi", "entities": [{"type": 1}]}},
        {"update_id": 5, "callback_query": {"id": "q", "data": "s:1:0"}},
    ],
    ids=["message-string", "message-missing-fields", "text-number", "entity", "query"],
)
async def test_update_shaped_bodies_that_are_no_update_get_400_and_one_warning(
    emulator: Emulator, webhook_run: Running, body: dict[str, object]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        refused = await client.post(webhook_run.url, json=body, headers=GOOD)
        ok = await client.post(webhook_run.url, json=update(9, "将来の世界の通貨は?"), headers=GOOD)
    assert (refused.status_code, ok.status_code) == (400, 200)
    output = webhook_run.stop()
    assert "Traceback" not in output and " ERROR " not in output
    assert [line for line in output.splitlines() if " WARNING " in line] == [
        line for line in output.splitlines() if "webhook: not an update" in line
    ]
    assert output.count("webhook: not an update") == 1
    assert [sections_of(m)[0] for m in emulator.sent_messages(DEFAULT_USER.id)] == [6]


def run_webhook(emulator: Emulator, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--webhook-url", WEBHOOK_URL, *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.usefixtures("hybrid")  # the default retrieval's index, built
async def test_start_up_errors_are_one_line_and_exit_2(emulator: Emulator) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        in_use = await asyncio.to_thread(run_webhook, emulator, "--port", port)
    bad_address = await asyncio.to_thread(run_webhook, emulator, "--listen", "999.1.1.1")
    await emulator.inject_fault(
        "error",
        methods=["setWebhook"],
        description="Bad Request: bad webhook: Failed to resolve host: Name or service not known",
    )
    rejected = await asyncio.to_thread(run_webhook, emulator, "--port", str(free_port()))
    for result, says in (
        (in_use, f"cannot listen on 127.0.0.1:{port}"),
        (bad_address, "cannot listen on 999.1.1.1:8443"),
        (rejected, "Telegram rejected the webhook: Bad webhook: failed to resolve host"),
    ):
        assert result.returncode == 2, result.stderr
        errors = [line for line in result.stderr.splitlines() if " INFO " not in line]
        assert errors == [f"interview-bot: error: {errors[0].split('error: ', 1)[1]}"]
        assert says in errors[0], errors
        assert "Traceback" not in result.stderr and emulator.token not in result.stderr
