"""SIGHUP: `interview-bot run` reads the operator's memory files again while it answers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from index.cache import SHIPPED_MEMORY
from index.memory import load_examples
from tests.support.chat import SECRET, WEBHOOK_URL, ask, free_port, html, sections_of
from tests.support.emulator import Emulator
from tests.test_memory import DECLINED, TRAP_LINE, TWIN, jsonl

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("hybrid")]  # the index, built


class Bot:
    """`interview-bot run --memory FILE` as a process, and what it logs."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    async def logged(self, text: str) -> str:
        """The next line the bot logs that holds `text`."""
        assert self.proc.stdout is not None
        while True:
            line = (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode()
            assert line, "the bot stopped:\n" + "".join(self.lines)
            self.lines.append(line)
            if text in line:
                return line

    def hang_up(self) -> None:
        self.proc.send_signal(signal.SIGHUP)


@pytest.fixture(params=["polling", "webhook"])
async def bot(
    request: pytest.FixtureRequest, emulator: Emulator, tmp_path: Path
) -> AsyncIterator[tuple[Bot, Path]]:
    """The bot started with a memory file that holds the trap alone (so DECLINED is declined)."""
    taught = tmp_path / "taught.jsonl"
    taught.write_text(jsonl(TRAP_LINE), encoding="utf-8")
    port = free_port()
    webhook = ["--webhook-url", WEBHOOK_URL, "--port", str(port)]
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_BASE_URL": emulator.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PYTHONUNBUFFERED": "1",
    }
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot.cli", "run", "--memory", str(taught)],
        *(webhook if request.param == "webhook" else []),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    running = Bot(proc)
    try:
        # Loaded: a SIGHUP from now on is answered (while starting, once started).
        await running.logged("answering questions on")
        if request.param == "webhook":
            await running.logged("receiving updates at")
            emulator.deliver_to(port)
        yield running, taught
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rest, _ = await asyncio.wait_for(proc.communicate(), 15)
        except TimeoutError:
            proc.kill()
            rest, _ = await proc.communicate()
    output = "".join(running.lines) + rest.decode()
    assert proc.returncode == 0, output
    assert "Traceback" not in output and emulator.token not in output


async def test_a_sighup_teaches_the_running_bot_what_the_file_now_holds(
    emulator: Emulator, bot: tuple[Bot, Path]
) -> None:
    running, taught = bot
    declined = await ask(emulator, DECLINED, timeout=60)
    assert "<blockquote" not in html(declined) and "見つかりませんでした" in html(declined)
    with taught.open("a", encoding="utf-8") as file:
        file.write(jsonl(TWIN))
    running.hang_up()
    line = await running.logged("memory reloaded")
    count = len(load_examples(SHIPPED_MEMORY)) + 2  # the bundled memory's, and the file's
    assert line.rstrip().endswith(f"memory reloaded: {count:,} labelled messages")
    answered = await ask(emulator, DECLINED)
    assert sections_of(answered)[0] == 3 and "<blockquote" in html(answered)


async def test_a_broken_file_on_sighup_keeps_the_memory_in_use(
    emulator: Emulator, bot: tuple[Bot, Path]
) -> None:
    running, taught = bot
    with taught.open("a", encoding="utf-8") as file:
        file.write(jsonl(TWIN))
    running.hang_up()
    await running.logged("memory reloaded")
    with taught.open("a", encoding="utf-8") as file:
        file.write('{"question": "まだラベルのない質問", "unlabelled": true}\n')
    running.hang_up()
    line = await running.logged("memory not reloaded")
    kept = "ERROR bot.reload: memory not reloaded (the one in use is kept): "
    assert f"{kept}{taught}:3: not a labelled message (not labelled yet" in line
    answered = await ask(emulator, DECLINED, timeout=60)  # with the twin, as before
    assert sections_of(answered)[0] == 3
    taught.unlink()
    running.hang_up()
    line = await running.logged("memory not reloaded")
    assert f"{kept}cannot read memory file {str(taught)!r}: No such file" in line
    assert sections_of(await ask(emulator, DECLINED))[0] == 3


async def test_a_stop_does_not_wait_for_a_reload_under_way(
    emulator: Emulator, bot: tuple[Bot, Path]
) -> None:
    """Thousands of new questions take minutes to encode: stopping gives them up."""
    running, taught = bot
    await ask(emulator, DECLINED, timeout=60)  # up
    rows = [{"question": f"{DECLINED} その{i}", "sections": []} for i in range(3000)]
    taught.write_text("".join(map(jsonl, rows)), encoding="utf-8")
    running.hang_up()
    # (SIGHUP, the lower number, comes first: the reload is under way when the stop begins.)
    running.proc.send_signal(signal.SIGTERM)
    rest, _ = await asyncio.wait_for(running.proc.communicate(), 10)  # a supervisor's patience
    assert running.proc.returncode == 0 and "memory reloaded" not in rest.decode()
