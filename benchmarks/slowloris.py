"""The webhook under slow clients: `interview-bot run` with a webhook, its file limit at 1,024
(a service's usual RLIMIT_NOFILE), against the fake Bot API of the end-to-end tests, which
posts updates to it as Telegram does (again after 0.5 s when a post got no answer).

- Baseline, in the same process first: a new user's question posted to the webhook, the time
  from queueing it to its answer's sendMessage, ROUNDS times.
- Then the same with 1,100 slow connections held open (each has sent part of a request's
  headers, then nothing: "slowloris"), opened afresh each round and held HOLD seconds, past the
  bot's 5 s header timeout.
- The bot's log, in bytes, grown over all the slow rounds, and its CPU over the holds (a
  server that spins when it runs out of descriptors shows a full core there).
"""

from __future__ import annotations

import asyncio
import resource
import signal
import subprocess
import time
from pathlib import Path

from benchmarks.bot import cpu_seconds
from benchmarks.common import Row, Sample, child_env, interview_bot, wait_child, within
from benchmarks.corpus import many_questions
from tests.support import emulator as fake_bot_api
from tests.support.chat import SECRET, WEBHOOK_URL, free_port
from tests.support.slowloris import slow_connections

PART = "the webhook under 1,100 slow connections, 1,024 files"
SLOW = 1100
FILE_LIMIT = 1024
HOLD = 8.0  # seconds each round's slow connections are held
GIVE_UP = 30.0  # seconds after which an answer counts as never given


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


async def _answer(
    emu: fake_bot_api.Emulator, user: fake_bot_api.User, question: str
) -> float | None:
    """Seconds from queueing `question` to its answer's sendMessage; None after GIVE_UP."""
    began = time.time()
    await emu.send_text(question, user=user, chat=fake_bot_api.Chat.private(user))
    try:
        sent = await emu.wait_for_messages(user.id, 1, timeout=GIVE_UP)
    except TimeoutError:
        return None
    return sent[0].request.time - began


async def measure(mode: str, cache: Path, rounds: int, workdir: Path) -> list[Row]:
    emu = fake_bot_api.Emulator()
    port = free_port()
    env = child_env(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_BASE_URL=emu.base_url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        INTERVIEW_BOT_CACHE_DIR=str(cache),
        INTERVIEW_BOT_RETRIEVAL=mode,
        INTERVIEW_BOT_STATUS=str(workdir / f"slowloris-{mode}.status"),
    )
    questions = many_questions(2 * rounds + 1)
    log_path = workdir / f"slowloris-{mode}.log"
    args = ["run", "--webhook-url", WEBHOOK_URL, "--port", str(port)]
    plain: list[float | None] = []
    slow: list[float | None] = []
    cpu = held = 0.0
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*interview_bot(), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_files,
        )
    try:
        await emu.wait_for_requests("setWebhook", timeout=120)
        emu.deliver_to(port)
        warm = fake_bot_api.User(id=700_000, first_name="W")
        await _answer(emu, warm, questions[-1])  # (the first answer loads what is lazy)
        for r in range(rounds):
            user = fake_bot_api.User(id=700_001 + r, first_name=f"P{r}")
            plain.append(await _answer(emu, user, questions[r]))
        before = log_path.stat().st_size
        for r in range(rounds):
            user = fake_bot_api.User(id=710_000 + r, first_name=f"S{r}")
            with slow_connections(port, SLOW):
                began, used = time.monotonic(), cpu_seconds(proc.pid)
                slow.append(await _answer(emu, user, questions[rounds + r]))
                await asyncio.sleep(max(0.0, HOLD - (time.monotonic() - began)))
                cpu += cpu_seconds(proc.pid) - used
                held += time.monotonic() - began
        grown = log_path.stat().st_size - before
    finally:
        proc.send_signal(signal.SIGTERM)
        code, _ = wait_child(proc)
        emu.stop()
    lost = slow.count(None) + plain.count(None)
    plain_sample = Sample([t for t in plain if t is not None], "s")
    slow_sample = Sample([t for t in slow if t is not None], "s")
    return [
        Row(PART, "an update answered, no slow connections (baseline)", mode, plain_sample),
        Row(
            PART,
            f"an update answered, {SLOW:,} slow connections open",
            mode,
            slow_sample,
            "≤ 5 s",
            not lost and within(slow_sample, 5.0, 5.0),
            f"{rounds} rounds, each held {HOLD:g} s; {lost} not answered in {GIVE_UP:g} s",
        ),
        Row(
            PART,
            "  the bot's log grown over those rounds",
            mode,
            Sample([grown / 1000], "KB"),
            "< 1 MB",
            grown < 1_000_000,
        ),
        Row(
            PART,
            "  the bot's CPU while they are held",
            mode,
            Sample([100 * cpu / held], "% of a core"),
            note=f"exit code {code} on SIGTERM",
        ),
    ]


def run(mode: str, cache: Path, rounds: int, workdir: Path) -> list[Row]:
    return asyncio.run(measure(mode, cache, rounds, workdir))
