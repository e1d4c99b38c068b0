"""A next step at every step, and a tidy chat, end to end: /start's example questions, deep
links into a section and out of a group, votes shown on their buttons, and questions over the
quota that wait rather than vanish."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import build_application
from index.hybrid import HybridIndex
from index.search import SearchIndex
from tests.support.chat import check_everything_sent, html, sections_of, settings
from tests.support.emulator import Chat, Emulator, SentMessage, User, polling

pytestmark = pytest.mark.e2e

KEN = User(6001, "Ken", "ken", language_code="ja")
ANNA = User(6002, "Anna", "anna", language_code="en")
BOB = User(6003, "Bob", "bob", language_code="ja")
GROUP = Chat.group(-1_006_000_000_001)
LINE = 38  # a phone line: 19 full-width characters, 38 half-width ones


@pytest_asyncio.fixture
async def bot(emulator: Emulator, index: SearchIndex) -> AsyncIterator[Emulator]:
    async with polling(build_application(settings(emulator), index)):
        yield emulator
    check_everything_sent(emulator)


async def say(emu: Emulator, text: str, user: User, timeout: float = 5.0) -> SentMessage:
    before = len(emu.sent_messages(user.id))
    await emu.send_text(text, user=user, chat=Chat.private(user))
    return (await emu.wait_for_messages(user.id, before + 1, timeout=timeout))[-1]


async def toast(emu: Emulator, message: SentMessage, data: str, user: User) -> str:
    query = await emu.press_button(message, data, user=user)
    answered = await emu.wait_for(lambda: emu.callback_answers(query), what="the press answered")
    return str(answered[0].get("text", ""))


def phone_lines(message: SentMessage) -> int:
    """Lines on a phone of the text Telegram shows."""
    width = lambda line: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)  # noqa: E731
    return sum(max(1, -(-width(line) // LINE)) for line in message.message["text"].split("\n"))


def data_of(message: SentMessage) -> list[str]:
    return [b["callback_data"] for b in message.buttons if "callback_data" in b]


async def test_start_is_short_and_its_example_questions_are_buttons(bot: Emulator) -> None:
    welcome = await say(bot, "/start", KEN)
    assert phone_lines(welcome) <= 6
    assert data_of(welcome) == ["q:0", "q:1", "q:2", "q:3"]
    assert welcome.buttons[0]["text"] == "ロボットが外科医を超えるのはいつ?"
    asked = await toast(bot, welcome, "q:0", KEN)
    assert asked == "ロボットが外科医を超えるのはいつ?"  # what was asked, for a moment
    answer = (await bot.wait_for_messages(KEN.id, 2))[-1]
    assert sections_of(answer)[0] == 5 and data_of(answer)[0] == "s:5:0"

    english = await say(bot, "/start", ANNA)
    assert phone_lines(english) <= 6 and data_of(english) == ["q:0~e", "q:1~e", "q:2~e", "q:3~e"]
    assert english.buttons[0]["text"] == "When will robots beat the best surgeons?"
    assert await toast(bot, english, "q:3~e", ANNA) == "What will the world's currency be?"
    await bot.wait_for_messages(ANNA.id, 2)


async def test_a_decline_offers_example_questions_and_the_sections(bot: Emulator) -> None:
    declined = await say(bot, "ビットコインの価格はいくらですか", KEN)
    assert data_of(declined) == ["q:0", "q:1", "q:2", "q:3", "l"]
    await toast(bot, declined, "q:1", KEN)
    answer = (await bot.wait_for_messages(KEN.id, 2))[-1]
    assert sections_of(answer)[0] == 4


async def test_a_deep_link_opens_a_section_and_a_section_shares_its_link(bot: Emulator) -> None:
    section = await say(bot, "/start section_5", KEN)  # t.me/TestNameBot?start=section_5
    assert html(section).startswith("<b>§5 「3年以内に")
    share = section.buttons[-1]["url"]
    assert share.startswith("https://t.me/share/url?url=")
    assert "https%3A%2F%2Ft.me%2FTestNameBot%3Fstart%3Dsection_5" in share
    assert "0〜11" in html(await say(bot, "/start section_99", KEN))
    paged = await say(bot, "/start section_0", ANNA)
    assert paged.buttons[-1]["text"] == "🔗 Share a link to §0"


@pytest.mark.parametrize("command", ["/start", "/help", "/start@TestNameBot"])
async def test_in_a_group_start_and_help_are_a_line_and_a_button_into_the_private_chat(
    bot: Emulator, command: str
) -> None:
    await bot.send_text(command, user=ANNA, chat=GROUP)
    said = (await bot.wait_for_messages(GROUP.id, 1))[-1]
    assert phone_lines(said) <= 2 and "/ask" in html(said) and "@TestNameBot" in html(said)
    assert [b.get("url") for b in said.buttons] == ["https://t.me/TestNameBot?start=help"]
    assert said.buttons[0]["text"] == "Open the help in a private chat"
    helped = await say(bot, "/start help", ANNA)  # where the button leads
    assert "/section N" in html(helped) and "Questions to try" in html(helped)


async def test_a_vote_is_marked_in_a_private_chat_and_counted_in_a_group(
    emulator: Emulator, index: SearchIndex, tmp_path: Path
) -> None:
    app = build_application(replace(settings(emulator), log=tmp_path / "q.db"), index)
    async with polling(app):
        answer = await say(emulator, "将来の世界の通貨は何になる", KEN)
        up, down = [d for d in data_of(answer) if d.startswith("v:")]
        marks = lambda: [b["text"] for b in answer.buttons if b["callback_data"] in (up, down)]  # noqa: E731
        assert marks() == ["👍", "👎"]
        assert "ありがとう" in await toast(emulator, answer, up, KEN)
        await emulator.wait_for(lambda: marks() == ["👍 ✓", "👎"], what="the vote marked")
        await toast(emulator, answer, down, KEN)  # a change of mind
        await emulator.wait_for(lambda: marks() == ["👍", "👎 ✓"], what="the new vote marked")
        assert data_of(answer)[-2:] == [up, down]  # the same data: a press still votes
        assert emulator.requests("editMessageReplyMarkup")[-1].params["chat_id"] == KEN.id

        await emulator.send_command("ask", "大学に行く意味はまだある?", chat=GROUP, user=BOB)
        asked = (await emulator.wait_for_messages(GROUP.id, 1))[-1]
        up, down = [d for d in data_of(asked) if d.startswith("v:")]
        counts = lambda: [b["text"] for b in asked.buttons if b["callback_data"] in (up, down)]  # noqa: E731
        await toast(emulator, asked, up, BOB)
        await emulator.wait_for(lambda: counts() == ["👍 1", "👎"], what="one vote counted")
        assert "Thank" not in await toast(emulator, asked, up, ANNA)  # a Japanese answer's
        await emulator.wait_for(lambda: counts() == ["👍 2", "👎"], what="two votes counted")
        await toast(emulator, asked, down, ANNA)
        await emulator.wait_for(lambda: counts() == ["👍 1", "👎 1"], what="a vote changed")
    check_everything_sent(emulator)


async def test_an_english_answers_vote_is_thanked_in_english(
    emulator: Emulator, hybrid: HybridIndex, tmp_path: Path
) -> None:
    app = build_application(replace(settings(emulator), log=tmp_path / "q.db"), hybrid)
    async with polling(app):
        answer = await say(emulator, "When will robots beat the best surgeons?", KEN, 15)
        up = next(d for d in data_of(answer) if d.startswith("v:+"))
        assert up.endswith("~e") and len(up.encode()) <= 64
        assert (
            await toast(emulator, answer, up, KEN) == "Thank you! Your vote helps improve the bot."
        )
    check_everything_sent(emulator)


async def test_questions_over_the_quota_wait_then_one_notice_says_when(
    emulator: Emulator, index: SearchIndex
) -> None:
    quick = replace(settings(emulator), question_limit=2, question_window=2.0)
    async with polling(build_application(quick, index)):
        welcome = await say(emulator, "/start", KEN)
        questions = ["将来の世界の通貨は何になる"] * 7
        for question in questions:
            await emulator.send_text(question, user=KEN, chat=Chat.private(KEN))
        # Two answered at once, three when the window has room, one notice, one dropped.
        sent = await emulator.wait_for_messages(KEN.id, 1 + 6, timeout=15)
        await emulator.wait_idle(quiet=0.5)
        replies = emulator.sent_messages(KEN.id)[1:]
        notices = [m for m in replies if "<blockquote" not in html(m)]
        assert len(replies) == 6 and len(notices) == 1, [html(m)[:40] for m in sent]
        assert re.fullmatch(r"質問が続いています。\d+秒後に、もう一度どうぞ。", html(notices[0]))
        # A tap is no question: an example is answered while the questions wait their turn.
        await toast(emulator, welcome, "q:0", KEN)
        tapped = await emulator.wait_for_messages(KEN.id, 1 + 7)
        assert sections_of(tapped[-1])[0] == 5
    check_everything_sent(emulator)
