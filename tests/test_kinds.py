"""What a message wants, by rules (index.kinds), in Japanese, English and Chinese."""

from __future__ import annotations

import pytest

from index.kinds import (
    ANSWER,
    CHAT,
    OTHER,
    REQUEST,
    SECTION,
    kind_of,
    language_named,
    thanks,
    translation_target,
)


@pytest.mark.parametrize(
    ("text", "section"),
    [
        ("5章", 5),
        ("第5章を見せて", 5),
        ("第五章", 5),
        ("第十章読みたい", 10),
        ("２つ目の章を見せてください", 2),
        ("show me chapter 5", 5),
        ("section three please", 3),
        ("看第五章", 5),
        ("第5节", 5),
        ("第五節", 5),
        ("打開第3章", 3),
        ("前置きを読みたい", 0),
        ("read me the intro", 0),
        ("第20章", 20),  # asked for all the same: the bot says there is no such section
        # With more words around it, a section asked to be shown (and nothing asked of it).
        ("第4章の原文をそのまま送ってもらえますか", 4),
        ("09の章、全部表示してほしいです", 9),
        ("pull up chapter 9 for me, the one about China", 9),
        ("把第六章完整内容发我", 6),
        ("だい4しょう を みせて ください", 4),
        ("5番のとこ見せてくれへん", 5),
    ],
)
def test_a_section_asked_for_by_number_or_position(text: str, section: int) -> None:
    kind = kind_of(text)
    assert kind.kind == SECTION and kind.section == section and not kind.last


@pytest.mark.parametrize(
    "text",
    [
        "最後の章",
        "open the last section",
        "最后一章",
        "結尾那段給我看",
        "最後那一章貼給我",
        "把最后那部分发我看看",
        "最後のとこ読ませて",
    ],
)
def test_the_last_section_is_asked_for_in_words(text: str) -> None:
    kind = kind_of(text)
    assert kind.kind == SECTION and kind.last


@pytest.mark.parametrize(
    "text",
    [
        "こんにちは",
        "おおきに、よう分かったわ",
        "ありがとう、よくわかった",
        "何ができるの?",
        "hello!",
        "thx that helps",
        "what can you do?",
        "你好",
        "谢谢",
        "你可以做什麼?",
        "謝謝",
        "👍",
    ],
)
def test_chat(text: str) -> None:
    assert kind_of(text).kind == CHAT


@pytest.mark.parametrize(
    "text",
    [
        "この記事を英語に翻訳して",
        "これ3行で要約してください",
        "Write me a tweet about this article",
        "Can you translate that into English?",
        "what's the weather in Tokyo tomorrow",
        "帮我写一条朋友圈，周末带孩子去海边玩",
        "能不能帮我把上面的内容翻译成英文",
        "幫我查今天的新聞",
        # Asked of the article, a verb of doing is still a request unless it asks what was said.
        "Can you translate this whole article into Chinese? My Japanese is bad",
        "この記事を英語に訳してもらえますか",
        "マスク氏の最新ニュース、調べてきてもらえますか",
        "set a timer for five minutes",
        "幫我Google一下馬斯克最近的消息",
    ],
)
def test_requests_for_something_else(text: str) -> None:
    assert kind_of(text).kind == REQUEST


@pytest.mark.parametrize(
    "text",
    [
        "ロボットが外科医を超えるのはいつ?",
        "第5章で言ってるワットって何?",  # names a section, but asks about it
        "ありがとう。じゃあ教育はどうなるの?",  # thanks and asks: a question
        "テスラの株価どうなるって言ってた?",  # what Musk said: the article's to answer
        "What did Musk say about China?",
        "为什么说不用存养老钱了?",
        "馬斯克認為白領工作會怎樣?",
        "最後の章では何が言われてる?",
        "show me what section 5 says about robots",
        "第7章で言ってた宇宙の話、なんで月じゃなくて宇宙なの?",
        # A story before the question, with words that elsewhere ask for something.
        "友達が送ってくれた記事を読みました。このインタビューはいつ公開されたの?",
        "ニュースで米中のAI競争をよく聞きます。マスク氏はどっちが強くなると見てるんですか",
        "おすすめのAIの先生って記事に出てた?",
    ],
)
def test_questions_about_the_article_stay_questions(text: str) -> None:
    assert kind_of(text).kind == ANSWER


def test_thanks_is_told_from_other_chat() -> None:
    assert thanks("ありがとう!") and thanks("Thanks a lot") and thanks("多謝")
    assert not thanks("こんにちは") and not thanks("what can you do?")


@pytest.mark.parametrize(
    ("text", "into"),
    [
        ("Can you translate that into English?", "en"),
        ("上の内容を英語に訳して", "en"),
        ("能不能帮我把上面的内容翻译成英文", "en"),
        ("翻譯成中文", "zh-hant"),  # Chinese in the message's own script
        ("翻译成中文", "zh-hans"),
        ("中国語に訳して", "zh-hans"),
        ("translate it into traditional Chinese", "zh-hant"),
        ("可以把剛剛的回答翻成日文嗎", "ja"),
        ("show me the original", "ja"),
        ("translate the Japanese into English", "en"),  # the language named last
        ("in English please", "en"),  # a message that only names a language
        ("英語で", "en"),
        ("用中文", "zh-hans"),
        ("用繁體中文回答", "zh-hant"),  # a language and a verb of answering or saying
        ("用英文回覆我", "en"),
        ("answer in English", "en"),
        ("英語で答えてください", "en"),
        ("Can you translate that?", "en"),  # none named: the message's own
        ("翻译一下", "zh-hans"),
        ("訳して", OTHER),  # none named in Japanese: none it could want
        ("フランス語に訳して", OTHER),
        ("can you translate the answer above to Spanish", OTHER),
        ("Translate it into Klingon", OTHER),
    ],
)
def test_a_request_to_translate_names_its_language(text: str, into: str) -> None:
    assert kind_of(text).kind == REQUEST
    assert translation_target(text) == into


@pytest.mark.parametrize(
    "text",
    [
        "Is English still worth learning?",
        "英語の勉強はまだ必要?",
        "AIは翻訳の仕事を奪う?",  # translation as the topic of a question
        "What did Musk say about China?",
    ],
)
def test_a_language_in_a_question_asks_no_translation(text: str) -> None:
    assert kind_of(text).kind == ANSWER


def test_requests_for_something_else_name_no_language() -> None:
    assert translation_target("Write me a tweet about this article") is None
    assert translation_target("今日のニュース教えて") is None


@pytest.mark.parametrize(
    ("text", "section", "language"),
    [
        ("第5章を英語で見せて", 5, "en"),
        ("show me chapter 5 in English", 5, "en"),
        ("第五章翻译成英文", 5, "en"),
        ("我想睇第三章原文", 3, "ja"),
        ("show me chapter 5", 5, None),
    ],
)
def test_a_section_asked_for_in_a_language(text: str, section: int, language: str | None) -> None:
    kind = kind_of(text)
    assert kind.kind == SECTION and kind.section == section
    assert language_named(text) == language
