"""`interview-bot health` and GET /healthz: whether the bot is connected and answering."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.chat import SECRET, WEBHOOK_URL, free_port, sections_of
from tests.support.emulator import DEFAULT_USER, Emulator

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("hybrid")]  # the index, built


class Bot:
    """`interview-bot run` as a process with its own status file."""

    def __init__(self, base_url: str, token: str, status: Path, *args: str) -> None:
        self.status = status
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_BASE_URL": base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "INTERVIEW_BOT_STATUS": str(status),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self, sig: int = signal.SIGTERM) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.communicate(timeout=15)[0]


def health(status: Path) -> tuple[int, list[str]]:
    """`interview-bot health`: its exit code and the lines it printed (on both streams)."""
    env = {**os.environ, "INTERVIEW_BOT_STATUS": str(status)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "health"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, (done.stdout + done.stderr).splitlines()


async def healthy_soon(emulator: Emulator, status: Path, timeout: float = 60) -> list[str]:
    """Wait until `health` says the bot is healthy; its line."""

    async def check() -> list[str] | None:
        code, lines = await asyncio.to_thread(health, status)
        return lines if code == 0 else None

    deadline = asyncio.get_running_loop().time() + timeout
    while (lines := await check()) is None:
        assert asyncio.get_running_loop().time() < deadline, health(status)
        await emulator.wait_for(status.exists, timeout=timeout, what="a status file")
        await asyncio.sleep(0.5)
    return lines


@pytest.fixture
def bots() -> Iterator[list[Bot]]:
    started: list[Bot] = []
    yield started
    for bot in started:
        output = bot.stop(signal.SIGKILL)
        assert "Traceback" not in output


async def test_health_says_whether_the_polling_bot_runs_connected(
    emulator: Emulator, tmp_path: Path, bots: list[Bot]
) -> None:
    status = tmp_path / "status"
    assert health(status) == (1, [f"no status at {status}: the bot is not running"])
    bots.append(bot := Bot(emulator.base_url, emulator.token, status))
    await emulator.send_text("将来の世界の通貨は何になる")
    reply = (await emulator.wait_for_messages(DEFAULT_USER.id, 1, timeout=60))[0]
    assert sections_of(reply)[0] == 6
    lines = await healthy_soon(emulator, status)
    assert len(lines) == 1 and lines[0].startswith("ok: polling, the Bot API answered"), lines
    bot.stop(signal.SIGKILL)  # gone without a word: its status file stays
    code, lines = health(status)
    assert code == 1 and lines == [f"the bot (pid {bot.proc.pid}) is not running"]


async def test_health_says_the_bot_is_not_connected_while_the_bot_api_is_unreachable(
    emulator: Emulator, tmp_path: Path, bots: list[Bot]
) -> None:
    status = tmp_path / "status"
    nowhere = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    bots.append(bot := Bot(nowhere, emulator.token, status))
    await emulator.wait_for(status.exists, timeout=60, what="a status file")
    code, lines = health(status)
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("not connected: no answer from the Bot API in "), lines
    bot.stop()  # SIGTERM: stopped cleanly, the status file is removed
    assert not status.exists()
    assert health(status)[0] == 1


async def test_healthz_on_the_webhook_port(
    emulator: Emulator, tmp_path: Path, bots: list[Bot]
) -> None:
    status, port = tmp_path / "status", free_port()
    flags = ("--webhook-url", WEBHOOK_URL, "--port", str(port))
    bots.append(Bot(emulator.base_url, emulator.token, status, *flags))
    await emulator.wait_for_requests("setWebhook", timeout=60)
    lines = await healthy_soon(emulator, status)
    assert lines[0].startswith("ok: webhook"), lines
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"http://127.0.0.1:{port}/healthz")
    assert response.status_code == 200
    assert response.text.startswith("ok: webhook, the Bot API answered ")
    assert response.text.count("\n") == 1
