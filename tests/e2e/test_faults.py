"""The bot survives Bot API faults and floods: nothing lost, nothing answered twice."""

from __future__ import annotations

import asyncio
import io
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.app import build_application, configure_logging
from index.search import SearchIndex
from tests.support.chat import check_everything_sent, html, sections_of, settings
from tests.support.emulator import DEFAULT_USER, Chat, Emulator, User, polling

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("restore_logging")]

QUESTIONS = {
    "学歴の価値は?": 3,
    "将来の世界の通貨は何になる": 6,
    "ロボットが外科医を超えるのはいつ?": 5,
}
CAROL = User(id=3003, first_name="Carol", username="carol")


@pytest_asyncio.fixture
async def bot(emulator: Emulator, index: SearchIndex) -> AsyncIterator[Emulator]:
    """The bot logging at DEBUG; afterwards its messages are checked and its log scanned."""
    log = io.StringIO()
    configure_logging(emulator.token, verbose=True, stream=log)
    async with polling(build_application(settings(emulator), index)):
        await emulator.wait_for_requests("setMyCommands")
        yield emulator
    check_everything_sent(emulator)
    logged = log.getvalue()
    assert emulator.token not in logged and emulator.token.split(":")[1] not in logged


async def ask_all(emu: Emulator, user: User = DEFAULT_USER) -> None:
    for question in QUESTIONS:
        await emu.send_text(question, user=user, chat=Chat.private(user))


def assert_answered_once(emu: Emulator, user: User = DEFAULT_USER) -> None:
    sent = emu.sent_messages(user.id)
    assert sorted(sections_of(m)[0] for m in sent) == sorted(QUESTIONS.values())
    assert all(count == 1 for count in Counter(html(m) for m in sent).values())


async def test_server_errors_are_retried_until_the_answer_goes_through(bot: Emulator) -> None:
    await bot.inject_fault("500", methods=["sendMessage"], count=4)
    await ask_all(bot)
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS), timeout=30)
    await bot.wait_idle()
    assert_answered_once(bot)
    assert len([r for r in bot.requests("sendMessage") if r.fault]) == 4


async def test_too_many_requests_waits_retry_after(bot: Emulator) -> None:
    await bot.inject_fault("429", methods=["sendMessage"], retry_after=1, count=2)
    started = time.monotonic()
    await ask_all(bot)
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS), timeout=30)
    assert time.monotonic() - started >= 1  # it waited as told, instead of hammering
    await bot.wait_idle()
    assert_answered_once(bot)


async def test_a_reply_the_bot_api_carries_out_after_12_s_reaches_the_user_once(
    bot: Emulator,
) -> None:
    # A slow Bot API: the response comes after 12 s, within the bot's 20 s; sent again at
    # 5 s (PTB's default), the user got it twice.
    await bot.inject_fault("hang", methods=["sendMessage"], seconds=12, count=1)
    await ask_all(bot)
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS), timeout=30)
    await bot.wait_for(lambda: [r for r in bot.requests("sendMessage") if r.fault], timeout=30)
    await bot.wait_idle(quiet=1.0)
    assert_answered_once(bot)
    assert len(bot.requests("sendMessage")) == len(QUESTIONS)


async def test_a_reply_that_hangs_past_the_timeout_is_sent_again(bot: Emulator) -> None:
    # Past the bot's 20 s, the request times out, then the Bot API carries it out. The bot
    # cannot know that it did, and sends it again: a duplicate rather than silence.
    await bot.inject_fault("hang", methods=["sendMessage"], seconds=21, count=1)
    await ask_all(bot)
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS) + 1, timeout=45)
    await bot.wait_idle(quiet=1.0)
    sent = [sections_of(m)[0] for m in bot.sent_messages(DEFAULT_USER.id)]
    assert sorted(set(sent)) == sorted(QUESTIONS.values())  # all answered, no apology
    assert len(sent) == len(QUESTIONS) + 1  # the hung one twice


async def test_a_hanging_get_updates_loses_nothing(bot: Emulator) -> None:
    await bot.inject_fault("hang", methods=["getUpdates"], seconds=15, count=1)
    await asyncio.sleep(0.2)  # let the next long poll start and hang
    await ask_all(bot)
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS), timeout=45)
    await bot.wait_idle()
    assert_answered_once(bot)


async def test_ten_seconds_without_connections_then_everything_is_answered(
    bot: Emulator,
) -> None:
    await ask_all(bot)
    await bot.refuse_connections(10)
    await bot.wait_until_up(timeout=20)
    await bot.send_text(
        "老後のためにお金を貯めておくべきですか", user=CAROL, chat=Chat.private(CAROL)
    )
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS), timeout=45)
    later = await bot.wait_for_messages(CAROL.id, 1, timeout=45)
    assert sections_of(later[0])[0] == 4
    await bot.wait_idle()
    assert_answered_once(bot)


async def test_ten_seconds_of_dropped_connections_then_every_question_is_answered(
    bot: Emulator,
) -> None:
    # A proxy restarting: each request is read, not carried out, and its connection closed
    # with no response, so the bot cannot know whether its answer arrived. It sends again.
    methods = ["getUpdates", "sendMessage", "answerCallbackQuery"]
    await bot.inject_fault("drop", methods=["sendMessage"], seconds=10)
    await ask_all(bot)
    await bot.wait_for(lambda: [r for r in bot.requests("sendMessage") if r.fault], what="a drop")
    await bot.inject_fault("drop", methods=methods, seconds=9)
    question = "老後のためにお金を貯めておくべきですか"
    await bot.send_text(question, user=CAROL, chat=Chat.private(CAROL))
    later = await bot.wait_for_messages(CAROL.id, 1, timeout=60)
    await bot.wait_for_messages(DEFAULT_USER.id, len(QUESTIONS), timeout=60)
    assert sections_of(later[0])[0] == 4
    await bot.wait_idle()
    assert_answered_once(bot)  # (what was dropped was not carried out)
    assert len([r for r in bot.requests() if r.fault == "drop"]) >= 3


async def test_one_flooding_user_does_not_starve_the_others(bot: Emulator) -> None:
    flood = [bot.send_text("ロボットが外科医を超えるのはいつ?") for _ in range(500)]
    sent = asyncio.gather(*flood)
    await asyncio.sleep(0.3)  # the flood is under way
    await bot.send_text("将来の世界の通貨は何になる", user=CAROL, chat=Chat.private(CAROL))
    asked = time.monotonic()  # (sending waits behind the flood in this test's own client)
    reply = (await bot.wait_for_messages(CAROL.id, 1, timeout=10))[0]
    waited = time.monotonic() - asked
    await sent
    await bot.wait_idle(quiet=0.5, timeout=60)
    assert sections_of(reply)[0] == 6
    # Without the per-user limit, 500 answers at Telegram's 30 messages/s would keep Carol
    # waiting over 16 s; with it, the flood's extra messages are dropped without a reply (the
    # three that wait for room in the window hold up nobody: they are answered in 30 s).
    assert waited < 8, f"Carol waited {waited:.1f} s behind the flood"
    to_flooder = bot.sent_messages(DEFAULT_USER.id)
    notices = [m for m in to_flooder if "秒後に、もう一度どうぞ" in html(m)]
    assert len(notices) == 1
    assert len(to_flooder) == 10 + 1  # ten answers, one notice, then silence (and three later)
