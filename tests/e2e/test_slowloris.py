"""The webhook server under slow clients: connections bounded in time and number."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.chat import SECRET, WEBHOOK_URL, free_port, sections_of
from tests.support.emulator import DEFAULT_USER, Emulator
from tests.support.slowloris import slow_connections

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("hybrid")]  # the index, built

FILE_LIMIT = 1024  # a service's usual RLIMIT_NOFILE (systemd's, Docker's soft limit)


def limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


async def test_1100_slow_connections_against_1024_files_an_update_is_still_answered(
    emulator: Emulator, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    args = ["run", "--webhook-url", WEBHOOK_URL, "--port", str(port)]
    log = tmp_path / "bot.log"
    with log.open("w") as out:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=limit_files,
        )
    try:
        await emulator.wait_for_requests("setWebhook", timeout=60)
        with slow_connections(port, 1100):
            emulator.deliver_to(port)
            await emulator.send_text("将来の世界の通貨は何になる")
            first = await emulator.wait_for_messages(DEFAULT_USER.id, 1, timeout=30)
            # The slow ones held past their header timeout (5 s): another question.
            await asyncio.sleep(6)
            await emulator.send_text("学歴の価値は?")
            both = await emulator.wait_for_messages(DEFAULT_USER.id, 2, timeout=30)
        assert sections_of(first[0])[0] == 6 and sections_of(both[1])[0] == 3
    finally:
        bot.terminate()
        bot.wait(timeout=15)
    output = log.read_text()
    assert bot.returncode == 0, output[-2000:]
    assert log.stat().st_size < 1_000_000
    assert "Traceback" not in output
    assert output.count("webhook:") <= 2, output  # a line for each kind of refusal at most
