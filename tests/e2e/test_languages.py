"""The reader's language end to end: menus and descriptions per language and scope, and whole
sessions in Japanese, English, simplified and traditional Chinese in which the bot's own words
hold no kana (the article's quoted Japanese aside)."""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.app import build_application
from index.article import Article
from index.hybrid import HybridIndex
from index.search import SearchIndex
from tests.support.chat import check_everything_sent, html, sections_of, settings
from tests.support.emulator import Chat, Emulator, SentMessage, User, polling
from tests.support.telegram_html import check_html, visible_length

pytestmark = pytest.mark.e2e

KEN = User(5001, "Ken", "ken", language_code="ja")
ANNA = User(5002, "Anna", "anna", language_code="en-GB")
LI = User(5003, "Li", "li", language_code="zh-hans")
MEI = User(5004, "Mei", "mei", language_code="zh-TW")
NOBODY = User(5005, "Nobody")  # a client that tells no language
KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f\u3000-\u303f\uff01-\uff60]+")


@pytest_asyncio.fixture
async def bot(emulator: Emulator, index: SearchIndex) -> AsyncIterator[Emulator]:
    async with polling(build_application(settings(emulator), index)):
        yield emulator
    check_everything_sent(emulator)


def article_text(article: Article) -> str:
    parts = [article.headline] + [
        f"{s.title}\n" + "\n".join(s.paragraphs) for s in article.sections
    ]
    return "\n".join(parts)


def own_kana(text: str, article: Article, markup: bool = True) -> list[str]:
    """The runs of Japanese script holding kana in `text` (HTML if `markup`) that are the bot's
    own words: outside <blockquote> and not the article's text (its titles and passages)."""
    if markup:
        text = re.sub(r"<blockquote[^>]*>.*?</blockquote>", "", text, flags=re.S)
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
    whole = article_text(article)
    for title in sorted({article.title} | {s.title for s in article.sections}, key=len)[::-1]:
        text = text.replace(title, " ")  # a title quoted in the bot's own sentence
    return [run for run in RUN.findall(text) if KANA.search(run) and run not in whole]


def words_to(emu: Emulator, user: User, article: Article) -> list[str]:
    """The bot's own words holding kana in everything it sent `user`: messages, buttons and
    toasts."""
    found = []
    for sent in emu.sent_messages(user.id):
        for text in sent.texts:
            found += own_kana(text, article)
        for button in sent.buttons:
            found += own_kana(button["text"], article, markup=False)
    for request in emu.requests("answerCallbackQuery"):
        found += own_kana(request.params.get("text", ""), article, markup=False)
    return found


async def say(emu: Emulator, text: str, user: User, timeout: float = 5.0) -> SentMessage:
    before = len(emu.sent_messages(user.id))
    await emu.send_text(text, user=user, chat=Chat.private(user))
    return (await emu.wait_for_messages(user.id, before + 1, timeout=timeout))[-1]


async def press(
    emu: Emulator, message: SentMessage, data: str, user: User, new: bool = True
) -> SentMessage | str:
    """`user` presses `data` on `message`: the message it sent (`new`), else the toast."""
    before = len(emu.sent_messages(user.id))
    query = await emu.press_button(message, data, user=user)
    answered = await emu.wait_for(lambda: emu.callback_answers(query), what="the press answered")
    if not new:
        return str(answered[0].get("text", ""))
    return (await emu.wait_for_messages(user.id, before + 1))[-1]


def data_of(message: SentMessage) -> list[str]:
    return [b["callback_data"] for b in message.buttons if "callback_data" in b]


async def session(emu: Emulator, user: User) -> dict[str, SentMessage]:
    """What a reader does on a first visit: start, tap an example, read the help, the list, a
    section and its next page, mistype a section, ask off topic, send a sticker."""
    got = {"start": await say(emu, "/start", user)}
    example = next(d for d in data_of(got["start"]) if d.startswith("q:0"))
    got["example"] = await press(emu, got["start"], example, user)  # type: ignore[assignment]
    got["help"] = await say(emu, "/help", user)
    got["sections"] = await say(emu, "/sections", user)
    five = next(d for d in data_of(got["sections"]) if d.startswith("s:5:0"))
    got["section"] = await press(emu, got["sections"], five, user)  # type: ignore[assignment]
    listing = next(d for d in data_of(got["section"]) if d.startswith("l"))
    got["list"] = await press(emu, got["section"], listing, user)  # type: ignore[assignment]
    got["no section"] = await say(emu, "/section 99", user)
    got["unknown"] = await say(emu, "/frobnicate", user)
    got["privacy"] = await say(emu, "/privacy", user)
    got["forget"] = await say(emu, "/forget", user)
    got["more"] = await say(emu, "§5", user)
    before = len(emu.sent_messages(user.id))
    await emu.send_sticker(user=user)
    got["sticker"] = (await emu.wait_for_messages(user.id, before + 1))[-1]
    return got


@pytest.mark.parametrize(
    ("user", "sections", "privacy"),
    [
        (ANNA, "Sections", "This bot keeps no record"),
        (LI, "章节列表", "本机器人不记录"),
        (MEI, "章節列表", "本機器人不記錄"),
    ],
)
async def test_a_session_by_the_clients_language_has_no_kana_in_the_bots_words(
    bot: Emulator, article: Article, user: User, sections: str, privacy: str
) -> None:
    got = await session(bot, user)
    assert words_to(bot, user, article) == []
    assert html(got["sections"]).startswith(f"<b>{sections}</b>")
    assert sections in [b["text"] for b in got["section"].buttons]
    assert html(got["privacy"]).startswith(privacy)
    assert sections_of(got["section"])[:1] == [] and html(got["section"]).startswith("<b>§5 ")
    assert "0" in html(got["no section"]) and "11" in html(got["no section"])


async def test_a_japanese_session_is_japanese(bot: Emulator, article: Article) -> None:
    got = await session(bot, KEN)
    assert "原文を引用して" in html(got["start"])
    assert sections_of(got["example"])[0] == 5  # ロボットが外科医を超えるのはいつ?
    assert html(got["sections"]).startswith("<b>章の一覧</b>")
    assert "記録していません" in html(got["privacy"])


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("How do I bake bread?", "The article has no passage"),
        ("怎么烤面包？", "这篇文章里没有"),
        ("怎麼烤麵包？", "這篇文章裡沒有"),
    ],
)
async def test_the_messages_language_comes_before_the_clients(
    bot: Emulator, article: Article, question: str, words: str
) -> None:
    declined = await say(bot, question, KEN)  # a Japanese client, writing in another language
    assert html(declined).startswith(words)
    listing = next(d for d in data_of(declined) if d.startswith("l"))
    listed = await press(bot, declined, listing, KEN)
    assert isinstance(listed, SentMessage) and words_to(bot, KEN, article) == []
    shown = await say(bot, "/sections", NOBODY)  # no language at all: Japanese
    assert html(shown).startswith("<b>章の一覧</b>")


async def test_language_lets_a_reader_choose(bot: Emulator, article: Article) -> None:
    offered = await say(bot, "/language", NOBODY)
    assert data_of(offered) == ["g:ja", "g:en", "g:zh-hans", "g:zh-hant"]
    toast = await press(bot, offered, "g:zh-hant", NOBODY, new=False)
    assert toast == "之後我會用繁體中文。"
    await bot.wait_for_edit(offered)
    assert html(offered) == "之後我會用繁體中文。"
    assert html(await say(bot, "/sections", NOBODY)).startswith("<b>章節列表</b>")
    assert html(await say(bot, "How do I bake bread?", NOBODY)).startswith("The article")
    helped = await say(bot, "/help", NOBODY)
    assert "用法和出處" not in html(helped) and "/language — 選擇機器人的語言" in html(helped)
    assert own_kana(html(helped), article) == []
    assert html(await say(bot, "学歴の価値は?", NOBODY)).count("<blockquote") >= 1


async def test_an_english_answer_and_its_buttons_speak_english(
    emulator: Emulator, hybrid: HybridIndex, article: Article
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        answer = await say(emulator, "When will robots beat the best surgeons?", NOBODY, 15)
        assert sections_of(answer)[0] == 5 and data_of(answer)[0] == "s:5:0~e"
        section = await press(emulator, answer, "s:5:0~e", NOBODY)
        assert isinstance(section, SentMessage)
        labels = [b["text"] for b in section.buttons]
        assert "Sections" in labels and "🔗 Share a link to §5" in labels
        page = next(d for d in data_of(section) if d.startswith("n:"))
        await press(emulator, section, page, NOBODY, new=False)
        await emulator.wait_for_edit(section)
        assert "Sections" in [b["text"] for b in section.buttons]
        assert words_to(emulator, NOBODY, article) == []
    check_everything_sent(emulator)


async def test_the_other_passages_are_in_the_readers_language_over_the_original(
    emulator: Emulator, hybrid: HybridIndex, article: Article
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        answer = await say(emulator, "When will robots beat the best surgeons?", NOBODY, 15)
        more = next(d for d in data_of(answer) if d.startswith("m:"))
        others = await press(emulator, answer, more, NOBODY)
        assert isinstance(others, SentMessage)
        text = html(others)
        check_html(text)
        assert text.startswith("<b>Other passages</b>")
        assert "<i>From the article (translated from Japanese):</i>" in text
        # Each passage translated, its Japanese original folded beneath it.
        quotes = re.findall(r"<blockquote expandable>(.*?)</blockquote>", text, flags=re.S)
        assert len(quotes) >= 2 and len(quotes) % 2 == 0
        assert not KANA.search(quotes[0]) and KANA.search(quotes[1])
        assert words_to(emulator, NOBODY, article) == []
    check_everything_sent(emulator)


async def test_menus_and_descriptions_for_each_language_and_scope(
    bot: Emulator, article: Article
) -> None:
    await bot.wait_for_requests("setMyShortDescription", 4)
    everything = {"ask", "section", "sections", "help", "language", "privacy", "forget"}
    for code in ("", "ja", "en", "zh"):
        private = bot.commands_set("all_private_chats", code)[-1]["commands"]
        groups = bot.commands_set("all_group_chats", code)[-1]["commands"]
        default = bot.commands_set("default", code)[-1]["commands"]
        assert {c["command"] for c in private} == {c["command"] for c in default} == everything
        assert {c["command"] for c in groups} == {"ask", "section", "sections", "help"}
        texts = [c["description"] for c in private + groups]
        japanese = [bool(KANA.search(t)) for t in texts]
        assert all(japanese) if code in ("", "ja") else not any(japanese), code
    assert len(bot.commands_set(None, None)) == 12
    long, short = bot.descriptions_set(), bot.descriptions_set(short=True)
    assert set(long) == set(short) == {"", "ja", "en", "zh"}
    assert long[""] == long["ja"] and "原文" in long["ja"]
    assert long["en"].startswith("Ask about the article") and "问题" in long["zh"]
    assert short["en"] == "Answers questions about one article by quoting it"
    for code in ("en", "zh"):
        assert own_kana(long[code], article, markup=False) == []
        assert not KANA.search(short[code])


async def test_a_failed_menu_is_one_warning_and_the_bot_answers(
    emulator: Emulator, index: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    await emulator.inject_fault("error", methods=["setMyDescription"], count=4)
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        async with polling(build_application(settings(emulator), index)):
            await emulator.wait_for_requests("setMyShortDescription", 4)
            reply = await say(emulator, "将来の世界の通貨は何になる", KEN)
            assert sections_of(reply)[0] == 6
    warned = [r for r in caplog.records if r.name == "bot.app" and r.levelno >= logging.WARNING]
    assert len(warned) == 1 and "4 of the 20" in warned[0].getMessage()
    assert len(emulator.commands_set(None, None)) == 12  # the rest were set


FOLDED = re.compile(r"<blockquote expandable>(.*?)</blockquote>", flags=re.S)


def translated_page(message: SentMessage, title: str, note: str) -> str:
    """The Japanese original folded at the end of a translated section page, after checking
    the page: its translated title and note, one expandable quote, within Telegram's limit."""
    page = html(message)
    assert page.startswith(f"<b>§5 {title}</b>\n<i>{note}</i>\n\n")
    assert visible_length(check_html(page)) <= 4096
    entities = [e["type"] for e in message.message.get("entities", [])]
    assert entities.count("expandable_blockquote") == 1
    (original,) = FOLDED.findall(page)
    assert KANA.search(original) and not KANA.search(page.split("<blockquote")[0])
    return original


async def test_a_section_is_in_the_readers_language_with_the_original_a_tap_away(
    bot: Emulator, article: Article
) -> None:
    title = "“Within 3 years, robots’ surgical abilities will surpass those of the best human "
    title += "surgeons.”"
    note = "The article's text, translated from Japanese (the original is folded at the end)."
    shown = await say(bot, "/section 5", ANNA)  # the client's language (en-GB)
    original = translated_page(shown, title, note)
    assert "これは「集団進化」である。" in original
    assert html(await say(bot, "/start section_5", ANNA)) == html(shown)  # the deep link
    assert html(await say(bot, "show me chapter 5", ANNA)) == html(shown)  # in words
    listing = await say(bot, "/sections", ANNA)
    assert "<b>§5</b> “Within 3 years" in html(listing)
    assert not own_kana(html(listing), article)
    pressed = await press(bot, listing, "s:5:0~e", ANNA)  # a section button
    assert isinstance(pressed, SentMessage) and html(pressed) == html(shown)
    await press(bot, pressed, "n:6:0~e", ANNA, new=False)  # ▶ into §6, in place
    await bot.wait_for_edit(pressed)
    assert html(pressed).startswith("<b>§6 “The currency of the future world is")
    assert FOLDED.search(html(pressed)) and words_to(bot, ANNA, article) == []
    # A Chinese reader, by the message's language or (Han alone) the client's.
    simplified = await say(bot, "看第五章", LI)
    assert html(simplified).startswith("<b>§5 “3年之内，机器人的手术能力")
    assert "<i>文章内容，译自日文（原文折叠在末尾）。</i>" in html(simplified)
    traditional = await say(bot, "第五節", MEI)
    assert html(traditional).startswith("<b>§5 「3年內，機器人的手術能力")
    assert words_to(bot, LI, article) == [] and words_to(bot, MEI, article) == []
    japanese = await say(bot, "/section 5", KEN)  # a Japanese reader: as before
    assert html(japanese).startswith("<b>§5 「3年以内に") and "<blockquote" not in html(japanese)


async def test_a_request_to_translate_is_answered_with_the_shipped_translation(
    emulator: Emulator, hybrid: HybridIndex, article: Article
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        nothing = await say(emulator, "Can you translate that into English?", ANNA, 15)
        assert html(nothing).startswith("There is nothing to translate yet")
        asked = await say(emulator, "When will robots beat the best surgeons?", ANNA, 15)
        chinese = await say(emulator, "翻譯成中文", ANNA, 15)
        assert html(chinese).startswith("<i>文章內容（譯自日文）：</i>\n\n<b>")
        assert sections_of(chinese) == sections_of(asked)
        assert data_of(chinese)[0] == "s:5:0~t"  # its buttons in its language
        original = await say(emulator, "show me the original", ANNA, 15)
        assert sections_of(original) == sections_of(asked) and KANA.search(html(original))
        assert "<i>" not in html(original)  # the article's own Japanese: nothing to mark
        # A Chinese reader's answer, asked again in English.
        await say(emulator, "机器人什么时候能超过外科医生?", LI, 15)
        english = await say(emulator, "能不能帮我把上面的内容翻译成英文", LI, 15)
        assert html(english).startswith("<i>From the article (translated from Japanese):</i>")
        assert not KANA.search(FOLDED.sub("", html(english)))
        folded = FOLDED.findall(html(english))
        assert not KANA.search(folded[0]) and KANA.search(folded[1])  # translated, original
        assert words_to(emulator, LI, article) == []
        french = await say(emulator, "Translate it into French", LI, 15)
        assert html(french).startswith("I can show the article only in Japanese (the original)")
        # A section shown, then asked in another language.
        await say(emulator, "/section 5", KEN)
        again = await say(emulator, "上の内容を英語に訳して", KEN, 15)
        assert html(again).startswith("<b>§5 “Within 3 years")
    check_everything_sent(emulator)


async def test_a_reply_in_a_group_translates_the_answer_it_replies_to(
    emulator: Emulator, hybrid: HybridIndex
) -> None:
    group = Chat.group()
    async with polling(build_application(settings(emulator), hybrid)):
        await emulator.send_command(
            "ask", "ロボットが外科医を超えるのはいつ?", chat=group, user=KEN
        )
        (answer,) = await emulator.wait_for_messages(group.id, 1, timeout=15)
        await emulator.reply(answer, "Can you translate that into English?", user=ANNA)
        translated = (await emulator.wait_for_messages(group.id, 2, timeout=15))[-1]
        assert html(translated).startswith("<i>From the article (translated from Japanese):</i>")
        assert sections_of(translated) == sections_of(answer)
    check_everything_sent(emulator)


async def test_a_reply_to_a_section_in_a_group_translates_that_section(bot: Emulator) -> None:
    group = Chat.group()
    await bot.send_command("section", "5", chat=group, user=KEN, address_bot=True)
    (section,) = await bot.wait_for_messages(group.id, 1)
    await bot.reply(section, "Can you translate that into English?", user=ANNA)
    translated = (await bot.wait_for_messages(group.id, 2))[-1]
    assert html(translated).startswith("<b>§5 “Within 3 years")


async def test_an_inline_query_in_english_posts_the_translation_over_the_original(
    emulator: Emulator, hybrid: HybridIndex
) -> None:
    async with polling(build_application(settings(emulator), hybrid)):
        query = await emulator.send_inline_query("When will robots beat the best surgeons?")
        answered = await emulator.wait_for(
            lambda: emulator.inline_answers(query), what="inline answer", timeout=15
        )
        results = answered[0]["results"]
        assert results and results[0]["title"].startswith("§5 ")
        for result in results:
            assert not KANA.search(result["title"]) and not KANA.search(result["description"])
            posted = result["input_message_content"]["message_text"]
            assert posted.startswith("<i>From the article (translated from Japanese):</i>\n\n<b>")
            assert visible_length(check_html(posted)) <= 4096
            translated, original = FOLDED.findall(posted)
            assert not KANA.search(FOLDED.sub("", posted)) and not KANA.search(translated)
            assert KANA.search(original)
        empty = await emulator.send_inline_query("", user=ANNA)  # the sections, in English
        listing = await emulator.wait_for(lambda: emulator.inline_answers(empty), what="list")
        assert listing[0]["is_personal"] is True
        assert not any(KANA.search(r["title"]) for r in listing[0]["results"])
    check_everything_sent(emulator)
