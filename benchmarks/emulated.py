"""The bot through the fake Telegram Bot API of the end-to-end tests (tests/e2e/emulator.py).

Everything runs on 127.0.0.1: the fake Bot API (a thread of this process, serving HTTP), the
bot, and this driver playing the users.

- Burst: C chats ask Q questions each at once. The questions are queued at the emulator (as
  Telegram queues updates) before the bot process starts, so that the figure is the bot's and
  not how fast this driver can post on a shared 2-core machine. The bot then takes them 100 at
  a time with getUpdates. Throughput = answers / (time of the last answer's sendMessage − time
  of the first getUpdates that delivered questions), both as the emulator logged them. Each
  chat must get the answers to its own questions, each once: the bot's texts are compared, as
  a multiset, with answer_html of those questions computed in this process. CPU per answer is
  the bot process's CPU time (/proc) from that first getUpdates to the end, per answer.
- Round trip (after the burst, in the same process): a user asks and waits; the next question
  comes from another user (the bot answers at most QUESTION_LIMIT questions a user in
  QUESTION_WINDOW seconds), at most PACE_PER_S questions a second (faster, the flood limit
  would pace the answers). Timed by the driver from just before it posts the question until
  it has seen the bot's sendMessage (the driver is woken by each request the fake answers).

Bots: `interview-bot run` as shipped (Telegram's 30 messages/s flood limit, 10 questions a user
per 30 s), started with an empty index cache; `interview-bot run` with TELEGRAM_MAX_RATE=0 (no
flood limit, as for a local Bot API server) and the per-user limit out of the way, warm cache;
and build_application's app inside this process (as the e2e tests run it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchmarks.common import (
    ROOT,
    Row,
    Sample,
    child_env,
    interview_bot_command,
    memory_map,
    wait_child,
    within,
)
from benchmarks.corpus import questions

TESTS = ROOT / "tests"
GROUP_RT = "through the bot (Telegram emulator)"
GROUP_MEM = "peak memory (RSS of the process)"
# bot.config's variables: the overall flood limit (messages/s, 0 lifts it) and the questions a
# user may ask in a window.
UNLIMITED = {"TELEGRAM_MAX_RATE": "0", "QUESTION_LIMIT": "1000000"}
PACE_PER_S = 20  # round-trip questions a second, at most: below the 30 messages/s flood limit


@dataclass
class Plan:
    round_trips: int
    chats: int
    per_chat: int
    bursts: int  # bursts without the limits (one with them)


@dataclass
class Queued:
    users: list[Any]
    asked: dict[int, list[str]]  # user id → the questions, in the order posted

    @property
    def total(self) -> int:
        return sum(map(len, self.asked.values()))


@dataclass
class Burst:
    answers: int
    expected: int
    throughput: float  # answers per second
    latency: Sample  # ms from the first delivery of questions to each answer
    missing: int
    extra: int
    notices: int  # "too many questions" notices (one a chat, at most)
    messages: int  # everything the bot sent in the burst
    messages_per_s: float
    cpu_ms: float  # CPU of the bot process per message sent

    @property
    def exact(self) -> bool:
        return self.missing == 0 and self.extra == 0 and self.answers == self.expected


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)


def _import_emulator() -> Any:
    for path in (str(TESTS), str(TESTS / "e2e")):  # emulator imports telegram_html
        if path not in sys.path:
            sys.path.insert(0, path)
    import emulator

    return emulator


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotProcess:
    """A bot in a child process; stop() sends SIGTERM and reads its peak RSS."""

    def __init__(self, command: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.log: IO[bytes] = log.open("wb")
        self.memory: dict[str, float] = {}
        self.proc = subprocess.Popen(
            list(command), env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self) -> tuple[int, float]:
        """(exit code, peak RSS in MB); `memory` keeps the RSS split just before."""
        self.memory = memory_map(self.proc.pid)
        try:
            if self.proc.returncode is not None:
                return self.proc.returncode, 0.0
            self.proc.send_signal(signal.SIGTERM)
            try:
                return wait_child(self.proc, timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return wait_child(self.proc)
        finally:
            self.log.close()


class Driver:
    """Plays the users against the emulator and reads back what the bot sent."""

    def __init__(self, emu: Any, module: Any, expected: Callable[[str], str], notice: str) -> None:
        self.emu = emu
        self.mod = module
        self.expected = expected
        self.notice = notice
        self.next_user = 10_000

    def users(self, count: int) -> list[Any]:
        made = [self.mod.User(id=self.next_user + i, first_name=f"U{i}") for i in range(count)]
        self.next_user += count + 1
        return made

    async def ask(self, user: Any, text: str, timeout: float = 30.0) -> float:
        """Ask and wait for the answer: ms from posting the question to seeing the answer."""
        chat = self.mod.Chat.private(user)
        before = len(self.emu.sent_messages(chat.id))
        start = time.perf_counter()
        await self.emu.send_text(text, user=user, chat=chat)
        await self.emu.wait_for_messages(chat.id, before + 1, timeout=timeout)
        return (time.perf_counter() - start) * 1000

    async def round_trips(self, count: int) -> Sample:
        """Questions one after another, paced at PACE_PER_S: back to back they would come
        faster than the flood limit (30 messages/s), and the limiter's pacing, not the
        answer's latency, would be measured."""
        users = self.users(count + 1)
        asked = questions()
        await self.ask(users[-1], asked[0], timeout=60)  # warm-up: the bot may still be starting
        await asyncio.sleep(1.0)  # let the limiter's bucket drain after the warm-up or a burst
        out: list[float] = []
        for i in range(count):
            began = time.perf_counter()
            out.append(await self.ask(users[i], asked[i % len(asked)]))
            await asyncio.sleep(max(0.0, 1 / PACE_PER_S - (time.perf_counter() - began)))
        return Sample(out, "ms")

    async def queue(self, chats: int, per_chat: int) -> Queued:
        """Post every chat's questions (no bot is polling yet)."""
        pool = questions()
        users = self.users(chats)
        asked = {
            u.id: [pool[(c * per_chat + j) % len(pool)] for j in range(per_chat)]
            for c, u in enumerate(users)
        }

        async def post(u: Any) -> None:
            chat = self.mod.Chat.private(u)
            for text in asked[u.id]:
                await self.emu.send_text(text, user=u, chat=chat)

        await asyncio.gather(*(post(u) for u in users))
        return Queued(users, asked)

    async def drain(self, queued: Queued, bot: BotProcess, timeout: float) -> Burst:
        """Wait until the bot has answered the queued questions; check and time its answers."""

        def delivered() -> float | None:
            times = [r.time for r in self.emu.requests("getUpdates") if r.result]
            return min(times) if times else None

        first = await self.emu.wait_for(delivered, timeout=timeout, what="questions delivered")
        cpu_start = cpu_seconds(bot.proc.pid)

        def answered() -> bool:
            return sum(len(self.emu.sent_messages(u.id)) for u in queued.users) >= queued.total

        with contextlib.suppress(TimeoutError):
            await self.emu.wait_for(answered, timeout=timeout, what=f"{queued.total} answers")
        cpu = cpu_seconds(bot.proc.pid) - cpu_start
        await self.emu.wait_idle(quiet=0.5, timeout=timeout)  # anything late or twice shows now

        missing = extra = notices = messages = answers = 0
        latencies: list[float] = []
        last = last_answer = first
        for u in queued.users:
            sent = sorted(self.emu.sent_messages(u.id), key=lambda m: m.request.seq)
            texts = [m.texts[0] for m in sent]
            messages += len(sent)
            notices += min(texts.count(self.notice), 1)
            want = Counter(self.expected(q) for q in queued.asked[u.id])
            got = Counter(t for t in texts if t != self.notice)
            missing += sum((want - got).values())
            extra += sum((got - want).values()) + max(texts.count(self.notice) - 1, 0)
            for m in sent:
                last = max(last, m.request.time)
                if m.texts[0] in want:
                    answers += 1
                    last_answer = max(last_answer, m.request.time)
                    latencies.append((m.request.time - first) * 1000)
        return Burst(
            answers=answers,
            expected=queued.total,
            throughput=answers / max(last_answer - first, 1e-9),
            latency=Sample(latencies, "ms"),
            missing=missing,
            extra=extra,
            notices=notices,
            messages=messages,
            messages_per_s=messages / max(last - first, 1e-9),
            cpu_ms=cpu * 1000 / max(messages, 1),
        )


def _split(memory: dict[str, float]) -> str:
    if not memory:
        return ""
    return (
        f"; before SIGTERM: RSS {memory['rss']:.0f} MB = {memory['anonymous']:.0f} MB "
        f"anonymous + {memory['file']:.0f} MB mapped files"
    )


def _burst_rows(label: str, bursts: list[Burst], chats: int, per_chat: int) -> list[Row]:
    rate = Sample([b.throughput for b in bursts], "answers/s")
    answers = sum(b.answers for b in bursts)
    expected = sum(b.expected for b in bursts)
    if all(b.exact for b in bursts):
        check = f"{answers}/{expected} answered, each once, none lost"
    else:
        check = (
            f"{answers}/{expected} answered, {sum(b.missing for b in bursts)} not answered, "
            f"{sum(b.extra for b in bursts)} extra or wrong, "
            f"{sum(b.notices for b in bursts)} 'too many questions' notices"
        )
    met = None
    if rate.values:
        met = all(b.exact for b in bursts) and min(rate.values) >= 150
    return [
        Row(
            GROUP_RT,
            f"{chats} chats × {per_chat} questions at once, {label}: answers/s",
            rate,
            "≥ 150 answers/s, none lost",
            met,
            check,
        ),
        Row(
            GROUP_RT,
            "  same burst: messages sent/s (answers and notices)",
            Sample([b.messages_per_s for b in bursts], "messages/s"),
        ),
        Row(
            GROUP_RT,
            "  same burst: bot CPU per message sent",
            Sample([b.cpu_ms for b in bursts], "ms"),
            note="user + system CPU of the bot process",
        ),
        Row(
            GROUP_RT,
            "  same burst: each answer's time after the first delivery",
            Sample([v for b in bursts for v in b.latency.values], "ms"),
        ),
    ]


async def _measure(
    plan: Plan, workdir: Path, warm_cache: Path | None, cache_env: str | None
) -> list[Row]:
    mod = _import_emulator()
    from bot.handlers import CANDIDATES, SHOWN, TOO_MANY
    from bot.render import answer_html, escape
    from index.article import load_article
    from index.search import SearchIndex

    index = SearchIndex(load_article())
    memo: dict[str, str] = {}

    def expected(question: str) -> str:
        if question not in memo:
            memo[question] = answer_html(index.search(question, k=CANDIDATES), SHOWN)
        return memo[question]

    rows: list[Row] = []
    emu = mod.Emulator()
    try:
        driver = Driver(emu, mod, expected, escape(TOO_MANY))
        timeout = 60 + plan.chats * plan.per_chat / 20

        def start_bot(cache_dir: str | None, name: str, **env: str) -> BotProcess:
            changes: dict[str, str | None] = {
                "TELEGRAM_BOT_TOKEN": emu.token,
                "TELEGRAM_BASE_URL": emu.base_url,
                **env,
            }
            if cache_env:
                changes[cache_env] = cache_dir if cache_dir is not None else "off"
            command = [*interview_bot_command(), "run"]
            return BotProcess(command, child_env(**changes), workdir / f"{name}.log")

        # 1. `interview-bot run` as shipped, started with an empty index cache (so it builds
        #    the index) on a full queue; then round trips.
        emu.reset()
        queued = await driver.queue(plan.chats, plan.per_chat)
        proc = start_bot(str(workdir / "run-cache") if cache_env else None, "shipped")
        try:
            shipped = await driver.drain(queued, proc, timeout)
            shipped_rt = await driver.round_trips(plan.round_trips)
        finally:
            code, peak = proc.stop()
        rows.append(
            Row(
                GROUP_RT,
                "round trip, interview-bot run as shipped",
                shipped_rt,
                "p50 ≤ 15 ms",
                within(shipped_rt, 15.0),
                "a new user per question",
            )
        )
        rows += _burst_rows("run as shipped", [shipped], plan.chats, plan.per_chat)
        rows.append(
            Row(
                GROUP_MEM,
                "run as shipped, cold start (builds the index), after the burst",
                Sample([peak], "MB"),
                "≤ 250 MB",
                peak <= 250,
                f"exit code {code} on SIGTERM{_split(proc.memory)}",
            )
        )

        # 2. `interview-bot run` without the flood limit and the per-user limit, a new process
        #    for each burst (warm cache); round trips in the last one.
        cache_dir = str(warm_cache) if warm_cache is not None else None
        settings = " ".join(f"{k}={v}" for k, v in UNLIMITED.items())
        bursts: list[Burst] = []
        for n in range(plan.bursts):
            emu.reset()
            queued = await driver.queue(plan.chats, plan.per_chat)
            proc = start_bot(cache_dir, f"unlimited-{n}", **UNLIMITED)
            try:
                bursts.append(await driver.drain(queued, proc, timeout))
                if n == plan.bursts - 1:
                    free_rt = await driver.round_trips(plan.round_trips)
            finally:
                code, peak = proc.stop()
        rows.append(Row(GROUP_RT, f"round trip, run with {settings}", free_rt))
        rows += _burst_rows(f"run with {settings}", bursts, plan.chats, plan.per_chat)
        rows.append(
            Row(
                GROUP_MEM,
                f"run{', warm index cache' if cache_dir else ''}, {settings}, after a burst",
                Sample([peak], "MB"),
                "≤ 250 MB",
                peak <= 250,
                f"exit code {code} on SIGTERM{_split(proc.memory)}",
            )
        )

        # 3. The application in this process, sharing the driver's event loop (as e2e tests).
        emu.reset()
        from bot.app import build_application
        from bot.config import Settings

        app = build_application(Settings(token=emu.token, base_url=emu.base_url), index)
        async with mod.polling(app):
            inproc_rt = await driver.round_trips(plan.round_trips)
        rows.append(
            Row(
                GROUP_RT,
                "round trip, build_application in the driver's process",
                inproc_rt,
                note="bot and driver share one event loop, as in tests/e2e",
            )
        )
    finally:
        emu.stop()
    return rows


def run(plan: Plan, workdir: Path, warm_cache: Path | None, cache_env: str | None) -> Results:
    return Results(asyncio.run(_measure(plan, workdir, warm_cache, cache_env)))
