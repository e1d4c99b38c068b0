"""`interview-bot run` as a process, against the fake Bot API of the end-to-end tests
(tests/support/emulator.py, real HTTP on 127.0.0.1, in a thread of this process).

- Burst: C chats ask Q different questions each at once. The questions are queued before the
  bot starts (as Telegram queues updates), so the figure is the bot's, not how fast this
  driver posts. Throughput = answers / (the last answer's sendMessage − the first getUpdates
  that delivered questions), both as the fake logged them. Every chat must get one answer per
  question and nothing else (no "too many questions" notice, no apology); the fake itself
  rejects a message whose HTML Telegram would reject. The limits are lifted
  (TELEGRAM_MAX_RATE=0 as for a local Bot API server, no per-user quotas): what the bot can do.
- Round trip, after the last burst in the same process: a user asks and waits for the answer,
  a new user and a new question each time, at most PACE questions a second.
- Follow-ups, after the round trips: a new user asks a question, then sends each of FOLLOW_UPS
  once the answer before it has come: the round trip of each follow-up.
- Fair turns, after the follow-ups: five users send ten 4,096-character questions each at
  once; once the first of them is answered, a sixth user asks a short question: the time to
  its answer, FAIR_ROUNDS times with new users and new texts.
- Peak RSS of the process (its VmHWM) after all of them, just before SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Row,
    Sample,
    child_env,
    interview_bot,
    peak_rss_mb,
    wait_child,
    within,
)
from benchmarks.corpus import many_questions
from bot.messages import APOLOGY, TOO_MANY
from tests.support import emulator as fake_bot_api


def _notice(text: str) -> bool:
    """Whether the bot sent an apology or the quota's notice, in any language."""
    return text in APOLOGY.values() or any(
        text.startswith(w[: w.index("{")]) for w in TOO_MANY.values()
    )


PART = "interview-bot run, through the fake Bot API"
LIFTED = {"TELEGRAM_MAX_RATE": "0", "QUESTION_LIMIT": "0", "BROWSE_LIMIT": "0", "INLINE_LIMIT": "0"}
PACE = 20  # round-trip questions a second at most
FOLLOW_UPS = ("それはなぜ?", "もっと", "もっと")  # after an answer, in turn
FAIR_ROUNDS = 3
TARGETS = {  # burst answers/s, run's peak RSS (MB)
    "lexical": (150.0, 250.0),
    "hybrid": (100.0, 350.0),
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(
    emu: Any, proc: subprocess.Popen[bytes], asked: dict[int, list[str]]
) -> tuple[float, float, str, bool]:
    """(answers/s, bot CPU ms per answer, what was checked, whether all were answered once)."""
    total = sum(map(len, asked.values()))

    def delivered() -> float | None:
        times = [r.time for r in emu.requests("getUpdates") if r.result]
        return min(times) if times else None

    first = await emu.wait_for(delivered, timeout=120, what="questions delivered")
    cpu = cpu_seconds(proc.pid)
    with contextlib.suppress(TimeoutError):  # what is missing is counted below
        await emu.wait_for(
            lambda: sum(len(emu.sent_messages(chat)) for chat in asked) >= total,
            timeout=60 + total,
            what=f"{total} answers",
        )
    cpu = cpu_seconds(proc.pid) - cpu
    await emu.wait_idle(quiet=0.5, timeout=60)  # anything sent late or twice shows now
    answered = wrong = 0
    last = first
    for chat, questions in asked.items():
        sent = emu.sent_messages(chat)
        notices = sum(_notice(m.texts[0]) for m in sent)
        answered += min(len(sent) - notices, len(questions))
        wrong += abs(len(sent) - len(questions)) + notices
        last = max([last, *(m.request.time for m in sent)])
    ok = wrong == 0
    check = f"{answered}/{total} answered, each once" if ok else f"{answered}/{total} answered, "
    check += "" if ok else f"{wrong} missing, extra or notices"
    return answered / max(last - first, 1e-9), cpu * 1000 / max(answered, 1), check, ok


async def round_trips(emu: Any, mod: Any, count: int, questions: list[str]) -> Sample:
    out: list[float] = []
    for i in range(count + 1):
        user = mod.User(id=900_000 + i, first_name=f"R{i}")
        chat = mod.Chat.private(user)
        began = time.perf_counter()
        await emu.send_text(questions[i % len(questions)], user=user, chat=chat)
        await emu.wait_for_messages(chat.id, 1, timeout=60)
        if i:  # the first one waits for a bot still starting
            out.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(max(0.0, 1 / PACE - (time.perf_counter() - began)))
    return Sample(out, "ms")


async def follow_ups(emu: Any, mod: Any, count: int, questions: list[str]) -> Sample:
    """A new user asks a question and waits, then sends each of FOLLOW_UPS and waits: the
    follow-ups' round trips (the chat's last answer as their context)."""
    out: list[float] = []
    for i in range(count + 1):
        user = mod.User(id=950_000 + i, first_name=f"F{i}")
        chat = mod.Chat.private(user)
        await emu.send_text(questions[i % len(questions)], user=user, chat=chat)
        await emu.wait_for_messages(chat.id, 1, timeout=60)
        for n, text in enumerate(FOLLOW_UPS, start=2):
            began = time.perf_counter()
            await emu.send_text(text, user=user, chat=chat)
            await emu.wait_for_messages(chat.id, n, timeout=60)
            if i:  # (as round_trips)
                out.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(max(0.0, 1 / PACE - (time.perf_counter() - began)))
    return Sample(out, "ms")


async def fair_turns(emu: Any, mod: Any, questions: list[str]) -> Sample:
    out: list[float] = []
    for r in range(FAIR_ROUNDS):
        emu.reset()
        users = [mod.User(id=800_000 + 10 * r + u, first_name=f"L{u}") for u in range(5)]
        for n in range(10):
            for user in users:
                text = (
                    f"{questions[n % len(questions)]} {user.id}-{n} " + "とても長い前置き。" * 500
                )
                await emu.send_text(text[:4096], user=user, chat=mod.Chat.private(user))
        await emu.wait_for(lambda: any(emu.sent_messages(u.id) for u in users), timeout=120)  # noqa: B023
        other = mod.User(id=890_000 + r, first_name="Short")
        began = time.perf_counter()
        await emu.send_text(questions[-1 - r], user=other, chat=mod.Chat.private(other))
        await emu.wait_for_messages(other.id, 1, timeout=300)
        out.append(time.perf_counter() - began)
        await emu.wait_for(
            lambda: sum(len(emu.sent_messages(u.id)) for u in users) >= 50,  # noqa: B023
            timeout=300,
            what="the long answers",
        )
    return Sample(out, "s")


async def measure(
    mode: str, cache: Path, chats: int, per_chat: int, bursts: int, trips: int, workdir: Path
) -> list[Row]:
    mod = fake_bot_api
    emu = mod.Emulator()
    questions = many_questions(chats * per_chat + trips + 1)
    env = child_env(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_BASE_URL=emu.base_url,
        INTERVIEW_BOT_CACHE_DIR=str(cache),
        INTERVIEW_BOT_RETRIEVAL=mode,
        **LIFTED,
    )
    rates: list[float] = []
    cpu: list[float] = []
    checks: list[bool] = []
    notes: list[str] = []
    try:
        for n in range(bursts):
            emu.reset()
            users = [mod.User(id=10_000 * (n + 1) + c, first_name=f"U{c}") for c in range(chats)]
            asked = {
                u.id: questions[c * per_chat : (c + 1) * per_chat] for c, u in enumerate(users)
            }
            for user in users:
                for text in asked[user.id]:
                    await emu.send_text(text, user=user, chat=mod.Chat.private(user))
            with (workdir / f"run-{mode}-{n}.log").open("wb") as log:
                proc = subprocess.Popen(
                    [*interview_bot(), "run"], env=env, stdout=log, stderr=subprocess.STDOUT
                )
                try:
                    rate, ms, check, ok = await burst(emu, proc, asked)
                    rates.append(rate)
                    cpu.append(ms)
                    checks.append(ok)
                    notes.append(check)
                    if n == bursts - 1:
                        emu.reset()
                        trip = await round_trips(emu, mod, trips, questions[chats * per_chat :])
                        follow = await follow_ups(emu, mod, trips // 4, questions)
                        fair = await fair_turns(emu, mod, questions[: chats * per_chat])
                finally:
                    peak = peak_rss_mb(proc.pid)
                    proc.send_signal(signal.SIGTERM)
                    code, _ = wait_child(proc)
    finally:
        emu.stop()
    floor, peak_mb = TARGETS[mode]
    rate_sample = Sample(rates, "answers/s")
    return [
        Row(
            PART,
            f"burst: {chats} chats × {per_chat} questions at once, limits lifted",
            mode,
            rate_sample,
            f"≥ {floor:g} answers/s, none lost",
            all(checks) and min(rates) >= floor,
            "; ".join(dict.fromkeys(notes)) + f" (bursts: {', '.join(f'{r:.0f}' for r in rates)})",
        ),
        Row(PART, "  same bursts: bot CPU per answer", mode, Sample(cpu, "ms")),
        Row(
            PART,
            f"round trip, a new user and question each time, ≤ {PACE}/s",
            mode,
            trip,
            "p50 ≤ 15 ms" if mode == "lexical" else "",
            within(trip, 15.0) if mode == "lexical" else None,
        ),
        Row(
            PART,
            f"follow-up round trip: {', '.join(FOLLOW_UPS)} after an answer, ≤ {PACE}/s",
            mode,
            follow,
        ),
        Row(
            PART,
            "fair turns: a short question behind 5 users × 10 questions of 4,096 characters",
            mode,
            fair,
            "p50 ≤ 3 s",
            within(fair, 3.0),
        ),
        Row(
            PART,
            "peak RSS of run, after a burst, the round trips and the fair turns",
            mode,
            Sample([peak], "MB"),
            f"≤ {peak_mb:g} MB",
            peak <= peak_mb,
            f"exit code {code} on SIGTERM",
        ),
    ]


def run(
    mode: str, cache: Path, chats: int, per_chat: int, bursts: int, trips: int, workdir: Path
) -> list[Row]:
    return asyncio.run(measure(mode, cache, chats, per_chat, bursts, trips, workdir))
