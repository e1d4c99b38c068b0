"""No question lost, nobody starved: `interview-bot run` killed, stopped and flooded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from bot.app import build_application
from bot.settings import Settings
from index.hybrid import HybridIndex
from tests.support.chat import SECRET, WEBHOOK_URL, check_everything_sent, free_port, sections_of
from tests.support.emulator import Chat, Emulator, User

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("hybrid")]  # the index, built

QUESTIONS = (
    ("学歴の価値は?", 3),
    ("将来の世界の通貨は何になる", 6),
    ("ロボットが外科医を超えるのはいつ?", 5),
    ("老後のためにお金を貯めておくべきですか", 4),
)
# Telegram hands out at most 100 updates a getUpdates: what a restart may answer again.
BACKLOG_MAX = 100


class Bot:
    """`interview-bot run` as a process, started again as often as a test likes."""

    def __init__(self, emulator: Emulator, webhook: bool) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_BASE_URL": emulator.base_url,
            "TELEGRAM_MAX_RATE": "0",  # a local Bot API: no flood limit
            "QUESTION_LIMIT": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self.args = ["run"]
        self.port = free_port()
        if webhook:
            self.env["TELEGRAM_WEBHOOK_SECRET"] = SECRET
            self.args += ["--webhook-url", WEBHOOK_URL, "--port", str(self.port)]
        self.emulator, self.webhook = emulator, webhook
        self.proc: subprocess.Popen[str] | None = None
        self.output = ""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *self.args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if self.webhook:
            self.emulator.deliver_to(self.port)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        output, _ = self.proc.communicate(timeout=timeout)
        self.output += output
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.wait(10)


@pytest.fixture
def run_bot(emulator: Emulator) -> Iterator[Callable[[bool], Bot]]:
    """Makes Bots; afterwards each is killed and its output scanned."""
    started: list[Bot] = []

    def make(webhook: bool) -> Bot:
        started.append(Bot(emulator, webhook))
        return started[-1]

    yield make
    for bot in started:
        bot.kill()
        assert emulator.token not in bot.output and "Traceback" not in bot.output


def answered(emu: Emulator, chats: list[int]) -> int:
    return sum(1 for chat in chats if emu.sent_messages(chat))


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_killed_mid_burst_then_restarted_loses_nothing(
    emulator: Emulator, run_bot: Callable[[bool], Bot], webhook: bool
) -> None:
    users = [User(50_000 + n, f"U{n}") for n in range(300)]
    bot = run_bot(webhook)
    bot.start()
    for n, user in enumerate(users):
        await emulator.send_text(QUESTIONS[n % 4][0], user=user, chat=Chat.private(user))
    chats = [u.id for u in users]
    await emulator.wait_for(lambda: answered(emulator, chats) >= 60, timeout=90, what="60")
    bot.kill()  # SIGKILL: no chance to tidy up
    before = answered(emulator, chats)
    assert before < len(users), "the burst was over before the kill"
    bot.start()
    await emulator.wait_for(
        lambda: answered(emulator, chats) == len(users), timeout=120, what="every answer"
    )
    await emulator.wait_idle(quiet=0.5, timeout=30)
    for n, user in enumerate(users):
        sent = emulator.sent_messages(user.id)
        assert {sections_of(m)[0] for m in sent} == {QUESTIONS[n % 4][1]}
    twice = sum(len(emulator.sent_messages(c)) - 1 for c in chats)
    assert twice <= BACKLOG_MAX
    check_everything_sent(emulator)


async def test_sigterm_with_a_backlog_of_long_questions_stops_in_time_and_loses_nothing(
    emulator: Emulator, run_bot: Callable[[bool], Bot]
) -> None:
    users = [User(60_000 + n, f"L{n}") for n in range(8)]
    bot = run_bot(False)
    bot.start()
    for n in range(10):
        for user in users:
            # Each text new (the encoder caches the vectors of questions it has seen).
            long = (f"{QUESTIONS[n % 4][0]}{user.id}-{n}" + "とても長い前置きです。" * 400)[:4096]
            await emulator.send_text(long, user=user, chat=Chat.private(user))
    chats = [u.id for u in users]

    def answers() -> int:
        return sum(len(emulator.sent_messages(c)) for c in chats)

    await emulator.wait_for(lambda: answers() >= 3, timeout=90, what="3 answers")
    assert bot.proc is not None
    stopped = time.monotonic()
    bot.proc.send_signal(signal.SIGTERM)
    assert bot.wait(15) == 0
    assert time.monotonic() - stopped < 10
    assert answers() < 80, "the backlog was answered before the stop"
    bot.start()
    await emulator.wait_for(lambda: answers() >= 80, timeout=120, what="80 answers")
    await emulator.wait_idle(quiet=0.5, timeout=30)
    assert all(len(emulator.sent_messages(chat)) >= 10 for chat in chats)
    check_everything_sent(emulator)


async def test_a_backlog_of_long_questions_does_not_hold_up_another_user(
    emulator: Emulator, hybrid: HybridIndex
) -> None:
    from tests.support.emulator import polling

    settings = Settings(token=emulator.token, base_url=emulator.base_url, max_rate=0)
    users = [User(70_000 + n, f"F{n}") for n in range(5)]
    carol = User(3003, "Carol")
    async with polling(build_application(settings, hybrid)):
        for n in range(10):
            for user in users:
                long = (f"宇宙について{user.id}-{n}" + "とても長い前置きです。" * 400)[:4096]
                await emulator.send_text(long, user=user, chat=Chat.private(user))
        first = [u.id for u in users]
        await emulator.wait_for(lambda: any(emulator.sent_messages(c) for c in first), timeout=60)
        await emulator.send_text(QUESTIONS[1][0], user=carol, chat=Chat.private(carol))
        before = sum(len(emulator.sent_messages(c)) for c in first)
        reply = (await emulator.wait_for_messages(carol.id, 1, timeout=60))[0]
        ahead = sum(len(emulator.sent_messages(c)) for c in first) - before
        assert sections_of(reply)[0] == 6
        # One turn each of the five at most (and the one under way when Carol asked).
        assert ahead <= 6, f"{ahead} long answers went first"
        await emulator.wait_for(
            lambda: sum(len(emulator.sent_messages(c)) for c in first) == 50, timeout=120
        )
    check_everything_sent(emulator)
