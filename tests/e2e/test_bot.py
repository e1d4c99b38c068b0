"""The bot end to end: the real Application over real HTTP against the Bot API emulator."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio

from bot.app import build_application, configure_logging
from bot.settings import Settings
from index.hybrid import HybridIndex
from index.search import SearchIndex
from tests.support.chat import ask, check_everything_sent, html, sections_of, settings
from tests.support.emulator import DEFAULT_USER, Chat, Emulator, User, polling
from tests.support.telegram_html import check_html, visible_length

KANA = re.compile("[ぁ-ゖァ-ヺ]")
pytestmark = pytest.mark.e2e

GROUP = Chat.group()
BOB = User(id=2002, first_name="Bob", username="bob")


@pytest_asyncio.fixture
async def bot(emulator: Emulator, index: SearchIndex) -> AsyncIterator[Emulator]:
    """The bot running with long polling; afterwards every message it sent is checked."""
    async with polling(build_application(settings(emulator), index)):
        yield emulator
    check_everything_sent(emulator)


async def test_start_explains_the_bot_and_sets_the_commands(bot: Emulator) -> None:
    reply = await ask(bot, "/start")
    assert "ロボットが外科医を超えるのはいつ?" in [b["text"] for b in reply.buttons]
    helped = await ask(bot, "/help")
    assert "TechFlow" in html(helped) and "/section" in html(helped)
    assert "ロボットが外科医を超えるのはいつ?" in html(helped)
    await bot.wait_for_requests("setMyCommands")
    commands = bot.commands_set()[-1]["commands"]
    assert {c["command"] for c in commands} == {
        "ask",
        "section",
        "sections",
        "help",
        "language",
        "privacy",
        "forget",
    }
    assert all(re.search(r"[ぁ-んァ-ン一-龥]", c["description"]) for c in commands)


async def test_question_gets_quotes_with_section_labels_and_buttons(bot: Emulator) -> None:
    reply = await ask(bot, "ロボットが外科医を超えるのはいつ?")
    assert reply.parse_mode == "HTML"
    assert sections_of(reply)[0] == 5
    assert 1 <= html(reply).count("<blockquote expandable>") <= 2  # folded, one screen
    lead, quotes = html(reply).split("\n\n", 1)
    assert lead.startswith("<b>") and "3年以内" in lead  # the answer in a line, first
    assert lead.removeprefix("<b>").removesuffix("</b>") in quotes.split("</blockquote>")[0]
    data = [b["callback_data"] for b in reply.buttons]
    assert data[0] == "s:5:0"
    assert data[1].startswith("m:")


async def test_off_topic_question_is_declined_plainly(bot: Emulator) -> None:
    reply = await ask(bot, "ビットコインの価格はいくらですか")
    assert "<blockquote" not in html(reply)
    assert "見つかりませんでした" in html(reply) and "/sections" in html(reply)
    assert [b["callback_data"] for b in reply.buttons] == ["q:0", "q:1", "q:2", "q:3", "l"]


async def test_the_bot_answers_english_and_chinese_in_their_words(
    emulator: Emulator, hybrid: HybridIndex
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        reply = await ask(emulator, "When will robots beat the best surgeons?", timeout=15)
        note, lead, quotes = html(reply).split("\n\n", 2)
        assert note == "<i>From the article (translated from Japanese):</i>"
        assert lead.startswith("<b>") and "3 years" in lead and not KANA.search(lead)
        assert sections_of(reply)[0] == 5
        # Each passage in English, then the Japanese original, both folded.
        folded = re.findall(r"<blockquote expandable>(.*?)</blockquote>", quotes, flags=re.S)
        translated, original = folded[:2]
        assert not KANA.search(translated) and KANA.search(original)
        assert reply.buttons[0]["text"] == "Read §5"
        declined = await ask(emulator, "How do I bake bread?", timeout=15)
        assert html(declined).startswith("The article has no passage")
        assert "/sections" in html(declined)
        assert [b["callback_data"] for b in declined.buttons][-1] == "l~e"
        chinese = await ask(emulator, "马斯克说机器人什么时候能超过外科医生?", timeout=15)
        assert html(chinese).startswith("<i>文章内容（译自日文）：</i>")
        assert sections_of(chinese)[0] == 5
        traditional = await ask(emulator, "機器人什麼時候會超過外科醫生?", timeout=15)
        assert html(traditional).startswith("<i>文章內容（譯自日文）：</i>")
        assert sections_of(traditional)[0] == 5
    check_everything_sent(emulator)


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("こんにちは", "こんにちは。記事「"),
        ("ありがとう", "どういたしまして"),
        ("hi there", "Hello! I answer questions"),
        ("你好", "你好！我会引用文章"),
        ("謝謝", "不客氣"),
        ("この記事を英語に翻訳して", "まだ訳すものがありません"),  # nothing shown yet
        ("この記事を要約して", "それはできません"),
        ("Write me a tweet about this article", "I can't do that"),
        ("帮我写一条朋友圈，周末带孩子去海边玩", "这个我做不到"),
        ("幫我查今天的新聞", "這個我做不到"),
    ],
)
async def test_chat_and_requests_get_a_line_on_what_the_bot_does_in_their_language(
    emulator: Emulator, hybrid: HybridIndex, message: str, said: str
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        reply = await ask(emulator, message, timeout=15)
        assert html(reply).startswith(said) and "<blockquote" not in html(reply)
    check_everything_sent(emulator)


@pytest.mark.parametrize(
    ("message", "number", "translated"),
    [
        ("第5章を見せて", 5, False),
        ("最後の章", 11, False),
        ("show me chapter 5", 5, True),  # in English, the original folded
        ("看第五章", 5, True),
        ("第五節", 5, False),  # Han alone: the client's language (none: Japanese)
    ],
)
async def test_a_section_asked_for_in_words_opens_it(
    emulator: Emulator, hybrid: HybridIndex, message: str, number: int, translated: bool
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        reply = await ask(emulator, message, timeout=15)
        # The section's page (an answer's headers are "<b>§5</b>").
        assert html(reply).startswith(f"<b>§{number} ") and sections_of(reply) == []
        assert ("<blockquote expandable>" in html(reply)) is translated
        assert any(str(b.get("callback_data")).split("~")[0] == "l" for b in reply.buttons)
    check_everything_sent(emulator)


async def test_an_unsure_answer_says_so_and_offers_its_sections(
    emulator: Emulator, hybrid: HybridIndex
) -> None:
    params = replace(hybrid.params, sure_probability=1.01)  # every answer unsure
    unsure = HybridIndex(hybrid.base, hybrid.encoder, params, hybrid.vectors)
    async with polling(build_application(settings(emulator), unsure)):
        reply = await ask(emulator, "ロボットが外科医を超えるのはいつ?", timeout=15)
        assert html(reply).startswith("<i>確かではありませんが")
        assert html(reply).count("<blockquote") == 2
        shown = list(dict.fromkeys(sections_of(reply)))
        data = [b["callback_data"] for b in reply.buttons]
        assert data[: len(shown)] == [f"s:{n}:0" for n in shown] and data[-1].startswith("m:")
    check_everything_sent(emulator)


@pytest.mark.parametrize(
    "command", ["/section 5", "/section 05", "/section ５", "§5", "/section §5"]
)
async def test_section_by_number(bot: Emulator, command: str) -> None:
    reply = await ask(bot, command)
    assert html(reply).startswith("<b>§5 「3年以内に")
    assert "これは「集団進化」である。" in html(reply)
    assert [b.get("callback_data") for b in reply.buttons] == ["n:4:0", "l", "n:6:0", None]
    share = "https://t.me/share/url?url=https%3A%2F%2Ft.me%2FTestNameBot%3Fstart%3Dsection_5"
    assert reply.buttons[-1]["url"] == share


@pytest.mark.parametrize("ref", ["99", "abc", "-1", "<b>1</b>"])
async def test_unknown_section_gets_the_valid_range(bot: Emulator, ref: str) -> None:
    reply = await ask(bot, f"/section {ref}")
    assert "0〜11" in html(reply)
    assert "<blockquote" not in html(reply)


@pytest.mark.parametrize("command", ["/sections", "/section"])
async def test_sections_are_listed_as_buttons(bot: Emulator, command: str) -> None:
    reply = await ask(bot, command)
    assert len(sections_of(reply)) == 12
    assert [b["callback_data"] for b in reply.buttons] == [f"s:{n}:0" for n in range(12)]


async def test_every_button_works(bot: Emulator) -> None:
    chat = DEFAULT_USER.id
    answer = await ask(bot, "将来の世界の通貨は何になる")
    assert sections_of(answer)[0] == 6

    # The whole section, as a new message.
    query = await bot.press_button(answer, "s:6:0")
    section = (await bot.wait_for_messages(chat, 2))[-1]
    assert html(section).startswith("<b>§6 「将来の世界の通貨は")
    await bot.wait_for(lambda: bot.callback_answers(query), what="answerCallbackQuery")

    # ▶ browses on in place: the same message now shows §7.
    await bot.press_button(section, "n:7:0")
    await bot.wait_for_edit(section)
    edited = bot.sent_messages(chat)[-1]
    assert edited.message_id == section.message_id
    assert edited.texts[-1].startswith("<b>§7 ")
    await bot.press_button(edited, "n:6:0")
    await bot.wait_for_edit(section, 2)

    # The list of sections, and one of them.
    await bot.press_button(bot.sent_messages(chat)[-1], "l")
    listing = (await bot.wait_for_messages(chat, 3))[-1]
    assert len(sections_of(listing)) == 12
    await bot.press_button(listing, "s:0:0")
    assert html((await bot.wait_for_messages(chat, 4))[-1]).startswith("<b>§0 ")

    # More candidates: the passages past the first three.
    more = answer.buttons[1]["callback_data"]
    await bot.press_button(answer, more)
    extra = (await bot.wait_for_messages(chat, 5))[-1]
    candidates = more.partition("|")[2].split(",")
    assert html(extra).count("<blockquote") == len(candidates)


@pytest.mark.parametrize("data", ["s:99:0", "n:5:42", "m:77-7", "zzz", "s:x:y"])
async def test_stale_or_forged_buttons_get_a_notice(bot: Emulator, data: str) -> None:
    answer = await ask(bot, "学歴の価値は?")
    query = await bot.press_button(answer, data, validate=False)
    answers = await bot.wait_for(lambda: bot.callback_answers(query), what="callback answer")
    assert answers[0]["show_alert"] is True and "古く" in answers[0]["text"]
    assert len(bot.sent_messages(DEFAULT_USER.id)) == 1


async def test_a_forged_more_button_gets_one_message_within_telegrams_limits(
    bot: Emulator,
) -> None:
    answer = await ask(bot, "学歴の価値は?")
    for data in ("m:|" + ",".join(["5-1"] * 15), "m:|" + ",".join(f"{n}-1" for n in range(12))):
        assert len(data.encode()) <= 64
        query = await bot.press_button(answer, data, validate=False)
        await bot.wait_for(lambda q=query: bot.callback_answers(q), what="callback answer")  # type: ignore[misc]
    sent = await bot.wait_for_messages(DEFAULT_USER.id, 3)
    assert html(sent[1]).count("<blockquote") == 1  # the same passage once
    assert html(sent[2]).count("<blockquote") >= 2  # as many as fit (and check_message)


@pytest.mark.parametrize("data", ["s:5:0", "n:5:0", "l", "m:|5-1"])
async def test_a_button_pressed_outside_a_chat_gets_a_notice(bot: Emulator, data: str) -> None:
    query = await bot.press_inline_button(data)
    answers = await bot.wait_for(lambda: bot.callback_answers(query), what="callback answer")
    assert "古く" in answers[0]["text"]
    await bot.wait_idle()
    assert not any(r.method == "sendMessage" for r in bot.requests())


async def test_inline_query_offers_passages_and_empty_query_lists_sections(bot: Emulator) -> None:
    query = await bot.send_inline_query("ロボット 外科医 手術")
    answer = (await bot.wait_for(lambda: bot.inline_answers(query), what="inline answer"))[0]
    results = answer["results"]
    assert 1 <= len(results) <= 5
    assert results[0]["title"].startswith("§5 ")
    titles = [r["title"] for r in results]
    assert len(set(titles)) == len(titles)  # each titled by its own sentence that answers
    posted = results[0]["input_message_content"]["message_text"]
    said = titles[0].removeprefix("§5 ")
    assert posted.startswith(f"<b>{said}</b>") and posted.count("<blockquote") == 1
    for result in results:
        check_html(result["input_message_content"]["message_text"])

    empty = await bot.send_inline_query("")
    listing = (await bot.wait_for(lambda: bot.inline_answers(empty), what="inline answer"))[0]
    assert [r["title"].split()[0] for r in listing["results"]] == [f"§{n}" for n in range(12)]
    opening = listing["results"][5]["input_message_content"]["message_text"]
    assert visible_length(opening) < 400  # its opening, not the whole section

    for unanswered in ("今日の天気", "ろぼ"):
        asked = await bot.send_inline_query(unanswered)
        offered = (await bot.wait_for(lambda q=asked: bot.inline_answers(q), what="answer"))[0]
        assert offered["results"] == []
        assert offered["button"]["start_parameter"] == "inline"  # a way into the bot


async def test_groups_answer_mentions_replies_and_commands_only(bot: Emulator) -> None:
    await bot.send_group_message("ところで昨日のサッカー見た?", user=BOB)
    await bot.send_group_message("ロボットが外科医を超えるのはいつ?", user=BOB)
    mentioned = await bot.send_group_message("将来の世界の通貨は何?", user=BOB, mention_bot=True)
    replies = await bot.wait_for_messages(GROUP.id, 1)
    assert sections_of(replies[0])[0] == 6
    assert replies[0].request.params["reply_parameters"]["message_id"] == mentioned["message_id"]

    await bot.reply(replies[0], "太陽は地球からどのくらい離れていますか", user=BOB)
    assert sections_of((await bot.wait_for_messages(GROUP.id, 2))[-1])[0] == 6

    await bot.send_command("ask", "学歴の価値は?", chat=GROUP, user=BOB, address_bot=True)
    assert sections_of((await bot.wait_for_messages(GROUP.id, 3))[-1])[0] == 3
    await bot.send_command("ask", chat=GROUP, user=BOB)
    assert "/ask のあと" in html((await bot.wait_for_messages(GROUP.id, 4))[-1])

    await bot.wait_idle()
    assert len(bot.sent_messages(GROUP.id)) == 4  # the two chatter messages got nothing


async def test_hostile_input_then_a_normal_question(bot: Emulator) -> None:
    chat = DEFAULT_USER.id
    hostile = [
        "<b>大学</b> & <script>alert(1)</script> &amp; の授業料 <",
        "宇宙" * 2500,
        "🤖🚀 ロボットは 🔥 外科医を超える? 👩‍⚕️",
        "ロ\u200bボ\u200dット\u202eが\u2066外科医\u2069",
        "\u0000\u0007\ufeff",
    ]
    for n, text in enumerate(hostile, start=1):
        await bot.send_text(text)
        await bot.wait_for_messages(chat, n)
    await bot.send_sticker()
    hint = (await bot.wait_for_messages(chat, len(hostile) + 1))[-1]
    assert "文字で質問してください" in html(hint)
    await bot.send_photo(caption="これは何?")
    await bot.wait_for_messages(chat, len(hostile) + 2)

    reply = await ask(bot, "老後のためにお金を貯めておくべきですか")
    assert sections_of(reply)[0] == 4


async def test_an_edited_question_edits_its_answer(bot: Emulator) -> None:
    chat = DEFAULT_USER.id
    original = await bot.send_text("学歴の価値は?")
    answer = (await bot.wait_for_messages(chat, 1))[-1]
    assert sections_of(answer)[0] == 3
    await bot.edit_user_message(original, "将来の世界の通貨は?")
    await bot.wait_for_edit(answer)
    assert sections_of(answer)[0] == 6 and answer.buttons[0]["callback_data"] == "s:6:0"
    await bot.edit_user_message(original, "ロボットが外科医を超えるのはいつ?")
    await bot.wait_for_edit(answer, 2)
    assert sections_of(answer)[0] == 5 and answer.buttons[0]["callback_data"] == "s:5:0"
    # An answer that cannot be edited any more (deleted, say): a new reply, as before.
    await bot.inject_fault(
        "error", methods=["editMessageText"], description="Bad Request: message to edit not found"
    )
    await bot.edit_user_message(original, "将来の世界の通貨は?")
    assert sections_of((await bot.wait_for_messages(chat, 2))[-1])[0] == 6
    assert len(bot.sent_messages(chat)) == 2


async def test_unknown_command_points_to_help(bot: Emulator) -> None:
    reply = await ask(bot, "/frobnicate")
    assert "/help" in html(reply)


async def test_a_failed_reply_gets_an_apology_and_the_bot_goes_on(bot: Emulator) -> None:
    await bot.inject_fault(
        "error", methods=["sendMessage"], error_code=400, description="Bad Request: boom", count=1
    )
    await bot.send_text("学歴の価値は?")
    apology = (await bot.wait_for_messages(DEFAULT_USER.id, 1))[-1]
    assert "エラー" in html(apology)
    reply = await ask(bot, "将来の世界の通貨は何になる")
    assert sections_of(reply)[0] == 6


async def test_allowed_chat_ids_hold_for_every_kind_of_update(
    emulator: Emulator, index: SearchIndex
) -> None:
    app = build_application(settings(emulator, allowed_chat_ids=frozenset({BOB.id})), index)
    async with polling(app):
        await emulator.send_text("学歴の価値は?")  # Alice: not allowed
        await emulator.send_command("sections")
        query = await emulator.send_inline_query("ロボット")
        await emulator.send_text("学歴の価値は?", user=BOB, chat=Chat.private(BOB))
        allowed = (await emulator.wait_for_messages(BOB.id, 1))[-1]
        assert sections_of(allowed)[0] == 3
        await emulator.press_button(allowed, "s:3:0", user=DEFAULT_USER)  # forged, in Bob's chat
        await emulator.wait_for_messages(BOB.id, 2)  # Bob's chat is allowed: answered
        await emulator.wait_idle()
        assert emulator.sent_messages(DEFAULT_USER.id) == []
        assert emulator.inline_answers(query) == []
    check_everything_sent(emulator)


@pytest.mark.usefixtures("restore_logging")
async def test_logs_never_show_the_token(emulator: Emulator, index: SearchIndex) -> None:
    log = io.StringIO()
    configure_logging(emulator.token, verbose=True, stream=log)
    async with polling(build_application(settings(emulator), index)):
        await ask(emulator, "学歴の価値は?")
        await emulator.inject_fault("500", methods=["sendMessage"], count=1)  # retried
        await emulator.send_text("将来の世界の通貨は?")
        await emulator.wait_for_messages(DEFAULT_USER.id, 2)
        await emulator.inject_fault("error", methods=["sendMessage"], error_code=400, count=1)
        await emulator.send_text("老後のためにお金を貯めておくべき?")  # an error: logged
        await emulator.wait_for_messages(DEFAULT_USER.id, 3)
    logged = log.getvalue()
    assert logging.getLogger("httpx").level == logging.WARNING
    assert " DEBUG telegram" in logged
    assert " WARNING bot.retry: sendMessage failed" in logged
    assert " ERROR bot.handlers: error while handling" in logged and "Traceback" in logged
    assert emulator.token not in logged
    assert emulator.token.split(":")[1] not in logged


def start_cli(emu: Emulator, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emu.token,
        "TELEGRAM_BASE_URL": emu.base_url,
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.usefixtures("hybrid")  # the default retrieval's index, built in the tests' cache
async def test_run_answers_and_stops_cleanly_on_signal(emulator: Emulator, sig: int) -> None:
    proc = start_cli(emulator, "--verbose")
    try:
        reply = await ask(emulator, "ロボットが外科医を超えるのはいつ?")
        assert sections_of(reply)[0] == 5
        started = time.monotonic()
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=5)
        assert time.monotonic() - started < 5
        assert proc.returncode == 0, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert emulator.token not in output
    assert emulator.token.split(":")[1] not in output
    assert "Traceback" not in output


def test_run_rejects_a_missing_or_malformed_token() -> None:
    for token in ("", "not-a-token", "123:short"):
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        if token:
            env["TELEGRAM_BOT_TOKEN"] = token
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True
        )
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr
        if token:
            assert token not in result.stderr


@pytest.mark.usefixtures("hybrid")  # the default retrieval's index, built in the tests' cache
async def test_run_reports_a_token_telegram_rejects(emulator: Emulator) -> None:
    await emulator.inject_fault(
        "error", methods=["getMe"], error_code=401, description="Unauthorized", count=5
    )
    proc = start_cli(emulator)
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2
    assert "rejected the bot token" in output
    assert emulator.token not in output and "Traceback" not in output


def test_settings_repr_hides_the_token() -> None:
    token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
    assert token not in repr(Settings(token=token))
    loaded = Settings.load("run", environ={"TELEGRAM_BOT_TOKEN": token})
    assert token not in json.dumps(repr(loaded))


@pytest.mark.usefixtures("hybrid")  # the default retrieval's index, built in the tests' cache
async def test_run_says_what_it_waits_for_then_that_it_is_through(emulator: Emulator) -> None:
    await emulator.refuse_connections(3.5)
    proc = start_cli(emulator)
    try:
        await emulator.wait_until_up(timeout=10)
        reply = await ask(emulator, "学歴の価値は?", timeout=60)
        assert sections_of(reply)[0] == 3
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    waiting = [line for line in output.splitlines() if "cannot reach the Bot API" in line]
    assert len(waiting) >= 2
    assert all(f"at 127.0.0.1:{emulator.port} (" in line for line in waiting)
    assert [re.search(r"next try in (\d+) s", line).group(1) for line in waiting[:2]] == ["1", "2"]  # type: ignore[union-attr]
    assert output.count("connected to the Bot API at 127.0.0.1") == 1
    assert emulator.token not in output and "Traceback" not in output
