"""Other users' replies while another process holds the question log's write lock.

`interview-bot run` as a process (lexical, against the fake Bot API of the end-to-end tests,
in a thread of this process) with INTERVIEW_BOT_LOG on. Once it answers, this process takes
the log's write lock (BEGIN IMMEDIATE, as another process writing the file would) and holds
it for LOCK seconds; meanwhile a new user asks every 1/PACE s without waiting for earlier
answers. Latency = the answer's sendMessage (as the fake logged it) − the question's posting.
Then the lock is released, the bot stopped (SIGTERM) and the questions asked during the lock
counted in the log. With `--log-baseline REV`, the same with the bot of commit REV (from
`git archive`), in the same run, first.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import ROOT, Row, Sample, child_env, wait_child
from benchmarks.corpus import many_questions
from tests.support import emulator as fake_bot_api

PART = "the question log locked by another process"
LOCK = 10.0  # seconds the lock is held
PACE = 4  # questions a second during the lock, each from a new user
TARGET = 1.5  # seconds, the slowest reply during the lock


async def measure(source: Path, cache: Path, workdir: Path, name: str) -> tuple[Sample, str]:
    """Reply latencies (s) during the lock, and what the log kept, for the bot in `source`."""
    mod = fake_bot_api
    emu = mod.Emulator()
    path = workdir / f"questions-{name}.db"
    questions = many_questions(int(LOCK * PACE) + 1)
    env = child_env(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_BASE_URL=emu.base_url,
        INTERVIEW_BOT_CACHE_DIR=str(cache),
        INTERVIEW_BOT_RETRIEVAL="lexical",
        INTERVIEW_BOT_LOG=str(path),
        TELEGRAM_MAX_RATE="0",
        QUESTION_LIMIT="0",
        PYTHONPATH=str(source),
    )
    try:
        with (workdir / f"loglock-{name}.log").open("wb") as output:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                env=env,
                cwd=source,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            try:
                first = mod.User(id=700_000, first_name="W")
                await emu.send_text(questions[0], user=first, chat=mod.Chat.private(first))
                await emu.wait_for_messages(first.id, 1, timeout=120)
                await emu.wait_for(path.exists, timeout=30, what="the log file")
                asked: dict[int, float] = {}
                with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as holder:
                    holder.execute("PRAGMA busy_timeout = 30000")
                    holder.execute("BEGIN IMMEDIATE")
                    began = time.monotonic()
                    for n, text in enumerate(questions[1:]):
                        await asyncio.sleep(max(0.0, began + n / PACE - time.monotonic()))
                        user = mod.User(id=700_001 + n, first_name=f"U{n}")
                        asked[user.id] = time.time()
                        await emu.send_text(text, user=user, chat=mod.Chat.private(user))
                    await asyncio.sleep(max(0.0, began + LOCK - time.monotonic()))
                    holder.execute("COMMIT")
                with contextlib.suppress(TimeoutError):  # what is missing is counted below
                    await emu.wait_for(
                        lambda: all(emu.sent_messages(u) for u in asked), timeout=120
                    )
            finally:
                proc.send_signal(signal.SIGTERM)
                wait_child(proc)
        answers = {u: emu.sent_messages(u) for u in asked}
        latencies = [sent[0].request.time - asked[u] for u, sent in answers.items() if sent]
        answered = f"{len(latencies)}/{len(asked)} answered; "
        with contextlib.closing(sqlite3.connect(path)) as connection:
            texts = {t for (t,) in connection.execute("SELECT text FROM questions")}
        kept = sum(text in texts for text in questions[1:])
    finally:
        emu.stop()
    return Sample(latencies, "s"), f"{answered}{kept}/{len(asked)} of them in the log"


def run(cache: Path, workdir: Path, baseline: str | None) -> list[Row]:
    rows: list[Row] = []
    figure = f"reply to a new user during a {LOCK:g}-s lock, {PACE} questions/s, lexical"
    if baseline:
        source = workdir / f"source-{baseline}"
        source.mkdir()
        archive = subprocess.run(
            ["git", "archive", baseline], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        before, kept = asyncio.run(measure(source, cache, workdir, "baseline"))
        rows.append(Row(PART, f"{figure}: at {baseline} (the baseline)", "", before, note=kept))
    after, kept = asyncio.run(measure(ROOT, cache, workdir, "now"))
    max_s, n = max(after.values), int(LOCK * PACE)
    rows.append(
        Row(
            PART,
            figure,
            "",
            after,
            f"every reply ≤ {TARGET:g} s, every question kept",
            max_s <= TARGET
            and len(after.values) == n
            and kept.endswith(f" {n}/{n} of them in the log"),
            f"{kept}; slowest {max_s:.2f} s",
        )
    )
    return rows
