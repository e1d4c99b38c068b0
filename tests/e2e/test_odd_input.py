"""Odd input is answered quietly: text no encoder can write, updates the handlers cannot read."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from bot import messages
from tests.support.chat import html, sections_of
from tests.support.emulator import DEFAULT_USER, Chat, Emulator

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("restore_logging")]


async def test_lone_surrogates_are_answered_with_no_traceback(
    emulator: Emulator, logged: io.StringIO
) -> None:
    # JSON's "\ud800" alone: a string Python holds but no encoder can write.
    for text in ("大学の\ud800授業料はどれだけ上がった?", "/section \udcff", "\ud83d"):
        await emulator.send_text(text)
    replies = await emulator.wait_for_messages(DEFAULT_USER.id, 3)
    await emulator.wait_idle()
    answers = [sections_of(m)[0] for m in replies if sections_of(m)]
    assert 3 in answers
    # "no section «�»": the replacement character stands for the surrogate
    assert any("\ufffd" in html(m) and not sections_of(m) for m in replies)
    sent = [html(m) for m in emulator.sent_messages(DEFAULT_USER.id)]
    assert not any(apology in text for apology in messages.APOLOGY.values() for text in sent)
    assert "Traceback" not in logged.getvalue() and " ERROR " not in logged.getvalue()


ALICE = DEFAULT_USER.to_dict()
BASE = {"message_id": 90, "date": 1, "chat": Chat.private(DEFAULT_USER).to_dict()}
UNREADABLE = [
    {"message": BASE | {"text": 5}},
    {"message": BASE | {"text": "hi", "entities": [{"type": "bot_command", "offset": "0"}]}},
    {"message": BASE | {"from": "alice", "text": "hi"}},
    {"message": "x"},
    {"callback_query": {"id": "q", "from": ALICE, "chat_instance": "c", "data": 5}},
    {"inline_query": {"id": "q", "from": ALICE, "query": ["a"], "offset": ""}},
]


async def test_unreadable_updates_are_passed_over_with_one_warning_each(
    emulator: Emulator, logged: io.StringIO
) -> None:
    for update in UNREADABLE:
        emulator._queue(*next(iter(update.items())))
    await emulator.send_text("将来の世界の通貨は何になる")
    reply = (await emulator.wait_for_messages(DEFAULT_USER.id, 1))[0]
    await emulator.wait_idle()
    assert sections_of(reply)[0] == 6 and len(emulator.sent_messages(DEFAULT_USER.id)) == 1
    log = logged.getvalue()
    assert "Traceback" not in log and " ERROR " not in log
    assert log.count(" WARNING bot.delivery: update ") == len(UNREADABLE), log


def test_a_question_the_command_line_cannot_decode_is_answered() -> None:
    # A byte that is no UTF-8 in an argument: Python holds it as a lone surrogate.
    question = "大学の授業料は".encode() + b"\xff"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--retrieval", "lexical", "ask", question],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.split("\n\n")[1].startswith("§3")
