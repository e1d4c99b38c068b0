"""Follow-ups and fair limits, end to end: replies to answers, a chat's last answer, groups,
and each kind of request counted on its own."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import AsyncIterator, Sequence

import pytest
import pytest_asyncio

from bot.app import build_application
from index.article import Article
from index.hybrid import HybridIndex
from index.search import Answer, SearchIndex
from index.tokenize import Tokenizer
from tests.support.chat import ask, check_everything_sent, html, sections_of, settings
from tests.support.emulator import DEFAULT_USER, Chat, Emulator, SentMessage, User, polling

pytestmark = pytest.mark.e2e

BOB = User(id=2002, first_name="Bob", username="bob")


@pytest_asyncio.fixture
async def bot(emulator: Emulator, index: SearchIndex) -> AsyncIterator[Emulator]:
    """The bot with long polling and small limits; afterwards every message is checked."""
    app = build_application(settings(emulator, browse_limit=5, inline_limit=60), index)
    async with polling(app):
        yield emulator
    check_everything_sent(emulator)


def quotes(message: SentMessage) -> list[str]:
    return re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", html(message), flags=re.S)


def lead(message: SentMessage) -> str:
    """An answer's lead: the line in bold that opens it."""
    found = re.match(r"<b>(.*?)</b>\n", html(message))
    assert found, html(message)
    return found.group(1)


async def reply(
    emu: Emulator, to: SentMessage, text: str, user: User = DEFAULT_USER
) -> SentMessage:
    chat_id = to.chat_id
    before = len(emu.sent_messages(chat_id))
    await emu.reply(to, text, user=user)
    return (await emu.wait_for_messages(chat_id, before + 1))[-1]


async def test_a_reply_asking_for_more_gets_the_sections_next_passages(bot: Emulator) -> None:
    answer = await ask(bot, "ロボットが外科医を超えるのはいつ?")
    assert sections_of(answer)[0] == 5
    more = await reply(bot, answer, "もっと詳しく")
    assert sections_of(more) and set(sections_of(more)) == {5}
    assert not set(quotes(more)) & set(quotes(answer))  # passages not shown before
    again = await reply(bot, more, "続きは?")
    assert not set(quotes(again)) & (set(quotes(answer)) | set(quotes(more)))


async def test_four_mores_in_a_row_each_show_what_was_not_shown(bot: Emulator) -> None:
    message = await ask(bot, "ロボットが外科医を超えるのはいつ?")
    sent = [message]
    for _ in range(4):  # each a reply to the one before: the context in the replied-to message
        message = await reply(bot, message, "もっと")
        sent.append(message)
    texts = [html(m) for m in sent]
    assert len(set(texts)) == len(texts) and all(m.buttons for m in sent)
    shown = [set(quotes(m)) for m in sent]
    assert all(not a & b for a, b in itertools.combinations(shown, 2))  # no passage twice
    assert set(sections_of(sent[1])) == {5}
    # Past §5's last passage, the question's next section, under a line that says so.
    moved = [t for t in texts if t.startswith("<i>§5 の箇所はこれで全部です。この質問について、§")]
    assert len(moved) == 1 and "<blockquote" in moved[0]


async def test_more_to_the_end_says_so_once_and_offers_where_to_go(
    emulator: Emulator, index: SearchIndex
) -> None:
    async with polling(build_application(settings(emulator, question_limit=0), index)):
        await ask(emulator, "ロボットが外科医を超えるのはいつ?")
        sent = []
        for _ in range(30):  # without replying: the chat's last answer
            sent.append(await ask(emulator, "もっと"))
            if "<blockquote" not in html(sent[-1]):
                break
        after = await ask(emulator, "もっと")  # the end is said once: this is a message of its own
    check_everything_sent(emulator)
    end = sent[-1]
    assert html(end).startswith("この質問に関わる箇所(§5, ") and html(end).endswith(
        "これで全部です。"
    )
    assert [b["callback_data"] for b in end.buttons] == ["s:6:0", "l"]
    assert len({html(m) for m in sent}) == len(sent) and all(m.buttons for m in sent)
    assert html(after) != html(end) and after.buttons


async def test_more_in_english_says_in_english_where_it_goes_on(
    emulator: Emulator, hybrid: HybridIndex
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        sent = [await ask(emulator, "When will robots beat the best surgeons?", timeout=15)]
        for _ in range(3):
            sent.append(await ask(emulator, "more", timeout=15))
    check_everything_sent(emulator)
    assert sections_of(sent[0])[0] == 5 and set(sections_of(sent[1])) == {5}
    texts = [html(m) for m in sent]
    assert len(set(texts)) == len(texts) and all(m.buttons for m in sent)
    assert any(t.startswith("<i>That is all of §5. On your question, from §") for t in texts)


async def test_a_reply_to_a_section_follows_up_on_that_section(bot: Emulator) -> None:
    section = await ask(bot, "/section 5")
    assert sections_of(await ask(bot, "学歴の価値は?"))[0] == 3  # the chat's last answer now
    why = await reply(bot, section, "それはなぜ?")
    assert sections_of(why)[0] == 5
    more = await reply(bot, section, "もっと")  # the section was read whole: past it
    assert html(more).startswith("<i>§5 の箇所はこれで全部です。") and 5 not in sections_of(more)


async def test_a_reply_without_a_topic_is_answered_from_the_answers_topic(bot: Emulator) -> None:
    answer = await ask(bot, "老後のためにお金を貯めておくべきですか")
    assert sections_of(answer)[0] == 4
    why = await reply(bot, answer, "それはなぜ?")
    assert sections_of(why)[0] == 4
    # Led by a sentence the answer did not lead with, and quoted in bold where it stands.
    assert lead(why) != lead(answer) and f"<b>{lead(why)}</b>" not in html(answer)
    assert f"<b>{lead(why)}</b>" in "".join(quotes(why))
    alone = await ask(bot, "それはなぜ?", chat=Chat.private(BOB))
    assert "<blockquote" not in html(alone)  # the same words without context: no answer


async def test_a_follow_up_without_reply_uses_the_chats_last_answer(bot: Emulator) -> None:
    answer = await ask(bot, "将来の世界の通貨は何になる")
    assert sections_of(answer)[0] == 6
    more = await ask(bot, "他には?")
    assert set(sections_of(more)) == {6}
    assert not set(quotes(more)) & set(quotes(answer))


async def test_a_new_question_after_an_answer_is_not_pulled_to_its_topic(bot: Emulator) -> None:
    await ask(bot, "ロボットが外科医を超えるのはいつ?")
    switch = await ask(bot, "学歴の価値は?")
    assert sections_of(switch)[0] == 3
    answer = await ask(bot, "将来の世界の通貨は何になる")
    by_reply = await reply(bot, answer, "アメリカの大学の学費はどれだけ上がった?")
    assert sections_of(by_reply)[0] == 3


async def test_a_reply_to_the_bot_in_a_group_follows_up(bot: Emulator) -> None:
    group = Chat.group()
    await bot.send_command("ask", "老後のためにお金を貯めておくべき?", chat=group, user=BOB)
    answer = (await bot.wait_for_messages(group.id, 1))[-1]
    assert sections_of(answer)[0] == 4
    why = await reply(bot, answer, "それはなぜ?", user=BOB)
    assert sections_of(why)[0] == 4
    assert why.request.params["reply_parameters"]["message_id"] != answer.message_id


async def test_inline_queries_as_one_types_do_not_use_up_the_questions(bot: Emulator) -> None:
    typed = "ロボットが外科医を超えるのはいつですか、マスクはどう言っていた"
    for n in range(1, 31):  # one inline query per keystroke
        await bot.send_inline_query(typed[:n])
    reply = await ask(bot, "将来の世界の通貨は何になる")
    assert sections_of(reply)[0] == 6


async def test_a_button_press_over_its_limit_gets_a_notice(bot: Emulator) -> None:
    answer = await ask(bot, "将来の世界の通貨は何になる")
    queries = [await bot.press_button(answer, "s:6:0") for _ in range(7)]  # the limit is 5
    for query in queries:
        await bot.wait_for(lambda q=query: bot.callback_answers(q), what="answerCallbackQuery")
    over = bot.callback_answers(queries[-1])[0]
    assert "少し待って" in over.get("text", "")
    await bot.wait_for_messages(DEFAULT_USER.id, 1 + 5)  # the five presses within the limit
    await bot.wait_idle()
    question = await ask(bot, "学歴の価値は?")  # questions still answered
    assert sections_of(question)[0] == 3


class Held:
    """The index, with every answer held until released: a slow retrieval (an encoder on a
    busy machine, say)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.release = threading.Event()

    @property
    def article(self) -> Article:
        return self.index.article

    @property
    def tokenizer(self) -> Tokenizer:
        return self.index.tokenizer

    def search(self, question: str, k: int = 5) -> Answer:
        self.release.wait(timeout=10)
        return self.index.search(question, k)

    def prepare(self, questions: Sequence[str]) -> None:
        self.index.prepare(questions)


async def test_a_slow_answer_does_not_hold_up_other_chats(
    emulator: Emulator, index: SearchIndex
) -> None:
    held = Held(index)
    async with polling(build_application(settings(emulator), held)):
        await emulator.send_text("ロボットが外科医を超えるのはいつ?")
        section = await ask(emulator, "/section 5", chat=Chat.private(BOB))
        assert "§5" in html(section) and not emulator.sent_messages(DEFAULT_USER.id)
        held.release.set()
        answer = (await emulator.wait_for_messages(DEFAULT_USER.id))[-1]
        assert sections_of(answer)[0] == 5
    check_everything_sent(emulator)
