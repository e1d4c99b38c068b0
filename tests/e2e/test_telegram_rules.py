"""Telegram's rules the bot lives by: a button answered too late, a message that can no longer be
edited, a user who blocked the bot, forum topics, and groups where other bots take commands."""

from __future__ import annotations

import io

import pytest

from bot import messages
from tests.support.chat import ask, html, sections_of
from tests.support.emulator import DEFAULT_USER, Chat, Emulator, User

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("restore_logging")]

BOB = User(id=2002, first_name="Bob", username="bob")
GROUP, FORUM = Chat.group(), Chat.forum()
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def assert_no_apology_nor_traceback(emu: Emulator, log: io.StringIO, chat_id: int) -> None:
    sent = [html(m) for m in emu.sent_messages(chat_id)]
    assert not any(apology in text for apology in messages.APOLOGY.values() for text in sent)
    assert "Traceback" not in log.getvalue() and " ERROR " not in log.getvalue()


async def test_a_button_answered_too_late_still_does_what_it_asked(
    emulator: Emulator, logged: io.StringIO
) -> None:
    # A press waits some 15 s for its answer (a backlog after a restart can take longer):
    # after that, answerCallbackQuery fails, and the section asked for must come all the same.
    answer = await ask(emulator, "将来の世界の通貨は何になる")
    await emulator.inject_fault("error", methods=["answerCallbackQuery"], description=TOO_OLD)
    await emulator.press_button(answer, "s:6:0")
    section = (await emulator.wait_for_messages(DEFAULT_USER.id, 2))[-1]
    assert html(section).startswith("<b>§6 ")
    await emulator.inject_fault("error", methods=["answerInlineQuery"], description=TOO_OLD)
    await emulator.send_inline_query("ロボット 外科医 手術")
    await emulator.wait_for_requests("answerInlineQuery")
    await emulator.wait_idle()
    assert len(emulator.sent_messages(DEFAULT_USER.id)) == 2
    assert_no_apology_nor_traceback(emulator, logged, DEFAULT_USER.id)


@pytest.mark.parametrize(
    "refusal", ["Bad Request: message to edit not found", "Bad Request: message can't be edited"]
)
async def test_a_page_that_can_no_longer_be_edited_comes_as_a_new_message(
    emulator: Emulator, logged: io.StringIO, refusal: str
) -> None:
    section = await ask(emulator, "/section 6")
    await emulator.inject_fault("error", methods=["editMessageText"], description=refusal)
    await emulator.press_button(section, "n:7:0")
    page = (await emulator.wait_for_messages(DEFAULT_USER.id, 2))[-1]
    assert html(page).startswith("<b>§7 ")
    assert [b.get("callback_data") for b in page.buttons][:3] == ["n:6:0", "l", "n:8:0"]
    await emulator.wait_idle()
    assert_no_apology_nor_traceback(emulator, logged, DEFAULT_USER.id)


async def test_a_user_who_blocked_the_bot_is_not_written_to_again(
    emulator: Emulator, logged: io.StringIO
) -> None:
    emulator.block(DEFAULT_USER)  # after asking: the question is still delivered
    await emulator.send_text("学歴の価値は?")
    await emulator.send_text("学歴の価値は?", user=BOB, chat=Chat.private(BOB))
    assert sections_of((await emulator.wait_for_messages(BOB.id))[0])[0] == 3
    await emulator.wait_idle()
    tries = [r for r in emulator.requests("sendMessage") if r.params["chat_id"] == DEFAULT_USER.id]
    assert [r.status for r in tries] == [403]  # the answer; no apology after it
    assert "Traceback" not in logged.getvalue() and " ERROR " not in logged.getvalue()


async def test_in_a_forum_topic_every_reply_stays_in_the_topic(
    emulator: Emulator, logged: io.StringIO
) -> None:
    await emulator.send_command("sections", chat=FORUM, user=BOB, address_bot=True, topic=77)
    listing = (await emulator.wait_for_messages(FORUM.id))[-1]
    assert len(sections_of(listing)) == 12 and listing.message["message_thread_id"] == 77
    await emulator.press_button(listing, "s:3:0", user=BOB)  # sent as a message of its own
    section = (await emulator.wait_for_messages(FORUM.id, 2))[-1]
    assert html(section).startswith("<b>§3 ")
    assert section.message.get("message_thread_id") == 77  # not in the forum's General topic


async def test_commands_for_other_bots_in_a_group_are_left_alone(
    emulator: Emulator, logged: io.StringIO
) -> None:
    # Past a user's quotas, commands the bot answers get a notice: another bot's are not its
    # business, and count for nothing.
    for _ in range(35):
        await emulator.send_text("/roll@DiceBot", chat=GROUP, user=BOB)
    for _ in range(15):
        await emulator.send_text("/ask@DiceBot 学歴の価値は?", chat=GROUP, user=BOB)
    await emulator.send_command("sections", chat=GROUP, user=BOB, address_bot=True)
    listing = (await emulator.wait_for_messages(GROUP.id))[0]
    assert len(sections_of(listing)) == 12
    await emulator.wait_idle()
    assert len(emulator.sent_messages(GROUP.id)) == 1


async def test_a_question_deleted_before_its_answer_is_answered_all_the_same(
    emulator: Emulator, logged: io.StringIO
) -> None:
    asked = await emulator.send_group_message("学歴の価値は?", user=BOB, mention_bot=True)
    emulator.delete_message(asked)  # before the bot reads it (nothing awaited in between)
    (answer,) = await emulator.wait_for_messages(GROUP.id)
    assert sections_of(answer)[0] == 3 and "reply_to_message" not in answer.message
    await emulator.wait_idle()
    assert_no_apology_nor_traceback(emulator, logged, GROUP.id)


async def test_anonymous_admins_of_different_groups_each_have_their_own_quota(
    emulator: Emulator, logged: io.StringIO
) -> None:
    # Telegram sends every anonymous admin's message from one user, @GroupAnonymousBot: one
    # group's admin past the questions' quota must not silence another group's.
    other = Chat.group(-1005550001111, "Other group")
    for _ in range(15):
        await emulator.send_group_message("学歴の価値は?", mention_bot=True, anonymous=True)
    await emulator.send_group_message(
        "将来の世界の通貨は何になる", group=other, mention_bot=True, anonymous=True
    )
    (answer,) = await emulator.wait_for_messages(other.id)
    assert sections_of(answer)[0] == 6


async def test_a_burst_of_answers_to_one_chat_waits_out_flood_control(
    emulator: Emulator, logged: io.StringIO
) -> None:
    # Each answer past the first gets 429 until its turn comes, a second apart: each is sent
    # again after its retry_after for as long as it takes, none given up on.
    emulator.flood_control(1.0)
    questions = ["学歴の価値は?", "将来の世界の通貨は何になる", "ロボットが外科医を超えるのはいつ?"]
    for question in questions * 2:
        await emulator.send_text(question)
    answers = await emulator.wait_for_messages(DEFAULT_USER.id, 6, timeout=30)
    assert sorted(sections_of(m)[0] for m in answers) == [3, 3, 5, 5, 6, 6]
    assert_no_apology_nor_traceback(emulator, logged, DEFAULT_USER.id)


async def test_a_question_from_a_group_upgraded_since_is_answered_in_the_supergroup(
    emulator: Emulator, logged: io.StringIO
) -> None:
    group, supergroup = Chat(-4001, "group", "Old group"), Chat.group(-1004001, "Old group")
    await emulator.send_group_message("学歴の価値は?", group=group, user=BOB, mention_bot=True)
    emulator.migrate(group, supergroup)  # before the bot reads it (nothing awaited in between)
    (answer,) = await emulator.wait_for_messages(supergroup.id)
    assert sections_of(answer)[0] == 3
    await emulator.wait_idle()
    assert_no_apology_nor_traceback(emulator, logged, supergroup.id)
