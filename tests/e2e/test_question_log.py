"""The question log end to end: nobody waits for it (a lock held by another process, a log
deleted under the bot), votes across replicas, and what a user can see and delete of it."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import questionlog
from bot.app import build_application
from bot.questionlog import QuestionLog
from index.search import SearchIndex
from tests.support.chat import check_everything_sent, html, settings
from tests.support.emulator import BOT_USERNAME, Chat, Emulator, SentMessage, User, polling

pytestmark = pytest.mark.e2e

CAROL = User(id=7_312_448_905, first_name="Carol", username="carol_q")
BOB = User(id=8_455_190_263, first_name="Bobby", language_code="en")
QUESTIONS = (
    "学歴の価値は?",
    "将来の世界の通貨は何になる",
    "ロボットが外科医を超えるのはいつ?",
    "老後のためにお金を貯めておくべきですか",
)
# Holds the log's write lock (as another process writing it would) until a line comes in.
HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


def logged(path: Path, sql: str = "SELECT text FROM questions ORDER BY at") -> list[Any]:
    """What `sql` reads in the log at `path` ([] while there is no such file or table)."""
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(path)) as connection:
        try:
            return [row[0] if len(row) == 1 else row for row in connection.execute(sql)]
        except sqlite3.OperationalError:
            return []


async def written(emu: Emulator, path: Path, expected: list[Any], sql: str | None = None) -> None:
    """Until the log at `path` holds `expected` (the bot writes it in the background)."""
    args = (path, sql) if sql else (path,)
    await emu.wait_for(lambda: logged(*args) == expected, timeout=10, what=f"{expected} logged")


def flushed(app: Application) -> QuestionLog:  # type: ignore[type-arg]
    """The bot's log, once what it has queued is written."""
    log: QuestionLog = app.bot_data.log
    assert log.flush(10)
    return log


async def say(emu: Emulator, text: str, user: User, timeout: float = 5.0) -> SentMessage:
    """`user`'s message in their private chat, and the bot's reply."""
    before = len(emu.sent_messages(user.id))
    await emu.send_text(text, user=user, chat=Chat.private(user))
    return (await emu.wait_for_messages(user.id, before + 1, timeout=timeout))[-1]


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the write lock of tmp_path/questions.db (made first, as the
    bot makes it) until the test writes a line to it."""
    path = tmp_path / "questions.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        questionlog._set_up(connection)  # the file, in WAL mode, with its tables
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    yield holder
    holder.kill()
    holder.wait(10)


async def test_a_lock_held_by_another_process_makes_nobody_wait(
    emulator: Emulator, index: SearchIndex, tmp_path: Path, lock_holder: subprocess.Popen[str]
) -> None:
    path = tmp_path / "questions.db"
    app = build_application(replace(settings(emulator), log=path), index)
    users = [User(60_000 + n, f"U{n}") for n in range(12)]
    async with polling(app):
        for n, user in enumerate(users):
            await emulator.send_text(QUESTIONS[n % 4], user=user, chat=Chat.private(user))
        await emulator.send_text("/help", user=CAROL, chat=Chat.private(CAROL))
        # Before the lock is released: each of them answered (the log used to hold every
        # reply up to 5 s, one after the other, and then give up on the question).
        for user in [*users, CAROL]:
            await emulator.wait_for_messages(user.id, 1, timeout=20)
        assert lock_holder.poll() is None  # still holding it
        answers = [emulator.sent_messages(user.id)[0] for user in users]
        assert all(a.buttons for a in answers)
        assert logged(path) == []  # (nothing could be written yet)
        assert lock_holder.stdin is not None
        lock_holder.stdin.write("release\n")
        lock_holder.stdin.flush()
        assert lock_holder.wait(10) == 0
        flushed(app)
    assert sorted(logged(path)) == sorted(QUESTIONS[n % 4] for n in range(len(users)))
    check_everything_sent(emulator)


async def test_at_the_stop_what_cannot_be_written_is_counted(
    emulator: Emulator,
    index: SearchIndex,
    tmp_path: Path,
    lock_holder: subprocess.Popen[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build_application(replace(settings(emulator), log=tmp_path / "questions.db"), index)
    async with polling(app):
        for text in QUESTIONS:
            await say(emulator, text, CAROL)
    lines = [r.getMessage() for r in caplog.records if "not written" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("4 rows were not written")


async def test_a_deleted_log_is_opened_again(
    emulator: Emulator, index: SearchIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "questions.db"
    app = build_application(replace(settings(emulator), log=path), index)
    async with polling(app):
        await say(emulator, QUESTIONS[0], CAROL)
        await written(emulator, path, [QUESTIONS[0]])
        for file in tmp_path.glob("questions.db*"):  # as an operator's `rm questions.db*`
            file.unlink()
        await say(emulator, QUESTIONS[1], CAROL)
        await say(emulator, QUESTIONS[2], BOB)
        await written(emulator, path, [QUESTIONS[1], QUESTIONS[2]])
    warnings = [r for r in caplog.records if "deleted or replaced" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


class Replica:
    """`interview-bot run` as a process with a log of its own (lexical, to start at once)."""

    def __init__(self, emulator: Emulator, log: Path) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_BASE_URL": emulator.base_url,
            "TELEGRAM_MAX_RATE": "0",
            "INTERVIEW_BOT_RETRIEVAL": "lexical",
            "INTERVIEW_BOT_LOG": str(log),
        }
        command = [sys.executable, "-m", "bot.cli", "run"]
        self.proc = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def stop(self) -> str:
        """SIGTERM, and what it logged."""
        self.proc.send_signal(signal.SIGTERM)
        output, _ = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0, output
        assert "Traceback" not in output
        return output


async def notice(
    emu: Emulator, answer: SentMessage, data: str, user: User, timeout: float = 5.0
) -> str:
    query = await emu.press_button(answer, data, user=user, validate=False)
    answered = await emu.wait_for(
        lambda: emu.callback_answers(query), timeout=timeout, what="the press answered"
    )
    return str(answered[0]["text"])


async def test_votes_behind_several_replicas_are_kept_and_forged_ones_refused(
    emulator: Emulator, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    replica = Replica(emulator, first)
    try:
        answer = await say(emulator, QUESTIONS[1], CAROL, timeout=60)  # (once it has started)
        declined = await say(emulator, "ビットコインの価格はいくらですか", CAROL)
    finally:
        replica.stop()
    up, down = [b["callback_data"] for b in answer.buttons if b["callback_data"][:2] == "v:"]
    ref = down.removeprefix("v:-:")
    assert len(down.encode()) <= 64
    assert not [b for b in declined.buttons if b.get("callback_data", "")[:2] == "v:"]
    replica = Replica(emulator, second)  # the press reaches another replica, with another log
    try:
        assert "ありがとう" in await notice(emulator, answer, down, CAROL, timeout=60)
        assert "ありがとう" in await notice(emulator, answer, up, BOB)
        assert "ありがとう" in await notice(emulator, answer, down, BOB)  # Bob changes his mind
        forged = ref[:-1] + ("0" if ref[-1] != "0" else "1")  # its signature, one digit off
        for data in (f"v:+:{forged}", "v:-:abcdef123456", "v:-:abcdef123456abcdef123456"):
            assert "古く" in await notice(emulator, answer, data, CAROL)
    finally:
        replica.stop()
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--json", str(first), str(second)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(result.stdout)
    assert (report["questions"], report["up"], report["down"]) == (2, 0, 2)
    assert report["disliked"] == [{"question": QUESTIONS[1], "count": 1}]
    check_everything_sent(emulator)


async def test_in_a_group_each_member_has_a_vote_of_their_own(
    emulator: Emulator, index: SearchIndex, tmp_path: Path
) -> None:
    path = tmp_path / "questions.db"
    group = Chat.group(-1_009_876_543_210)
    app = build_application(replace(settings(emulator), log=path), index)
    async with polling(app):
        await emulator.send_command("ask", QUESTIONS[0], chat=group, user=BOB)
        (answer,) = await emulator.wait_for_messages(group.id, 1)
        up, down = [b["callback_data"] for b in answer.buttons if b["callback_data"][:2] == "v:"]
        assert "ありがとう" in await notice(emulator, answer, up, BOB)
        assert "ありがとう" in await notice(emulator, answer, down, CAROL)
        log = app.bot_data.log
        bob, carol = log.user("telegram", BOB.id), log.user("telegram", CAROL.id)
        # Carol's press left the asker's vote as it was.
        await written(
            emulator, path, [(bob, 1), (carol, -1)], "SELECT user, vote FROM votes ORDER BY at"
        )


async def test_privacy_and_forget(emulator: Emulator, index: SearchIndex, tmp_path: Path) -> None:
    path = tmp_path / "questions.db"
    app = build_application(replace(settings(emulator), log=path, log_days=14), index)
    async with polling(app):
        answer = await say(emulator, QUESTIONS[0], CAROL)
        await say(emulator, QUESTIONS[1], CAROL)
        await say(emulator, QUESTIONS[2], BOB)
        down = [b["callback_data"] for b in answer.buttons if b["callback_data"][:2] == "v:"][1]
        await notice(emulator, answer, down, CAROL)
        await notice(emulator, answer, down, BOB)  # a vote on Carol's question
        assert "14日後に消します" in html(await say(emulator, "/privacy", CAROL))
        assert "after 14 days" in html(await say(emulator, "/privacy", BOB))
        forgot = html(await say(emulator, "/forget", CAROL))
        assert forgot == "あなたの質問 2 件と評価 2 件の記録を消しました。"
        flushed(app)
        assert logged(path) == [QUESTIONS[2]]
        assert "Deleted your 0 question(s) and 0 vote(s)" in html(
            await say(emulator, "/forget", replace(CAROL, language_code="en"))
        )
        helped = html(await say(emulator, "/help", CAROL))
        assert "/privacy" in helped and "/forget" in helped
    commands = emulator.commands_set()[-1]["commands"]
    assert {"privacy", "forget"} <= {c["command"] for c in commands}
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM votes").fetchone() == (0,)
    check_everything_sent(emulator)


async def test_an_anonymous_admin_forgets_their_own_groups_questions_only(
    emulator: Emulator, index: SearchIndex, tmp_path: Path
) -> None:
    # Telegram sends every anonymous admin's message, in any group, from one user.
    path = tmp_path / "questions.db"
    one, other = Chat.group(-1_001_111_111_111), Chat.group(-1_002_222_222_222)
    app = build_application(replace(settings(emulator), log=path), index)
    async with polling(app):
        for group, question in ((one, QUESTIONS[0]), (other, QUESTIONS[1])):
            await emulator.send_group_message(
                question, group=group, mention_bot=True, anonymous=True
            )
            await emulator.wait_for_messages(group.id, 1)
        await written(emulator, path, list(QUESTIONS[:2]))
        await emulator.send_group_message(f"/forget@{BOT_USERNAME}", group=one, anonymous=True)
        forgot = (await emulator.wait_for_messages(one.id, 2))[-1]
        assert html(forgot) == "あなたの質問 1 件と評価 0 件の記録を消しました。"
        flushed(app)
        assert logged(path) == [QUESTIONS[1]]
    check_everything_sent(emulator)


async def test_without_the_log_privacy_says_nothing_is_kept(
    emulator: Emulator, index: SearchIndex
) -> None:
    async with polling(build_application(settings(emulator), index)):
        assert "記録していません" in html(await say(emulator, "/privacy", CAROL))
        assert "nothing to delete" in html(await say(emulator, "/forget", BOB))
    check_everything_sent(emulator)
