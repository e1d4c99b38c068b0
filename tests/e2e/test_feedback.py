"""Feedback end to end: 👍 / 👎 under the bot's answers, recorded in the question log."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.app import build_application
from index.search import SearchIndex
from tests.support.chat import ask, check_everything_sent, html, settings
from tests.support.emulator import Chat, Emulator, SentMessage, User, polling

pytestmark = pytest.mark.e2e

# Ids long enough that finding one in the log's bytes cannot be chance.
CAROL = User(id=7_312_448_905, first_name="Carol", username="carol_q")
BOB = User(id=8_455_190_263, first_name="Bobby", username="bobby_w")
CAROLS = Chat.private(CAROL)


async def said(emu: Emulator, text: str) -> SentMessage:
    """Carol's question in her private chat, and the bot's reply."""
    before = len(emu.sent_messages(CAROL.id))
    await emu.send_text(text, user=CAROL, chat=CAROLS)
    return (await emu.wait_for_messages(CAROL.id, before + 1))[-1]


def votes(app: Application, path: Path) -> list[tuple[str, str, int | None]]:
    """Each question in the log, with the sum of its votes, once what is queued is written."""
    assert app.bot_data.log.flush(10)
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT text, outcome, (SELECT sum(vote) FROM votes WHERE answer = id)"
            " FROM questions ORDER BY at"
        ).fetchall()


async def test_votes_are_thanked_and_recorded(
    emulator: Emulator, index: SearchIndex, tmp_path: Path
) -> None:
    log = tmp_path / "questions.db"
    app = build_application(replace(settings(emulator), log=log), index)
    async with polling(app):
        answer = await said(emulator, "将来の世界の通貨は何になる")
        data = [b["callback_data"] for b in answer.buttons]
        up, down = [d for d in data if d.startswith("v:")]
        assert up.startswith("v:+:") and down == "v:-:" + up[4:]
        query = await emulator.press_button(answer, up, user=CAROL)
        thanks = await emulator.wait_for(lambda: emulator.callback_answers(query), what="thanks")
        assert "ありがとう" in thanks[0]["text"]
        assert votes(app, log) == [("将来の世界の通貨は何になる", "answered", 1)]
        query = await emulator.press_button(
            answer, down, user=CAROL
        )  # pressed again: the vote changes
        await emulator.wait_for(lambda: emulator.callback_answers(query), what="thanks")
        assert votes(app, log)[0][2] == -1

        declined = await said(emulator, "ビットコインの価格はいくらですか")
        assert not [b for b in declined.buttons if b["callback_data"][:2] == "v:"]  # no votes
        group = Chat.group(-1_009_876_543_210)
        await emulator.send_command("ask", "学歴の価値は?", chat=group, user=BOB)
        await emulator.wait_for_messages(group.id, 1)
        helped = await said(emulator, "/help")
        assert "記録されます" in html(helped)
    check_everything_sent(emulator)
    assert [row[:2] for row in votes(app, log)] == [
        ("将来の世界の通貨は何になる", "answered"),
        ("ビットコインの価格はいくらですか", "declined"),
        ("学歴の価値は?", "answered"),
    ]
    stored = log.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("questions.db-*"))
    names = (CAROL.first_name, CAROL.username, BOB.first_name, BOB.username, group.title)
    for secret in (emulator.token, str(CAROL.id), str(BOB.id), str(group.id), *names):
        assert secret.encode() not in stored, secret


async def test_without_the_log_there_are_no_vote_buttons(
    emulator: Emulator, index: SearchIndex
) -> None:
    async with polling(build_application(settings(emulator), index)):
        answer = await ask(emulator, "将来の世界の通貨は何になる")
        assert not [b for b in answer.buttons if b["callback_data"].startswith("v:")]
        query = await emulator.press_button(answer, "v:+:abcdef123456", validate=False)
        notice = await emulator.wait_for(lambda: emulator.callback_answers(query), what="notice")
        assert "古く" in notice[0]["text"]
        helped = await ask(emulator, "/help")
        assert "記録されます" not in html(helped)
    check_everything_sent(emulator)
