"""What a message wants, by rules (index.kinds), in Japanese, English and Chinese."""

from __future__ import annotations

import pytest

from index.kinds import ANSWER, CHAT, REQUEST, SECTION, kind_of, thanks


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
    ],
)
def test_the_last_section_is_asked_for_in_words(text: str) -> None:
    kind = kind_of(text)
    assert kind.kind == SECTION and kind.last


@pytest.mark.parametrize(
    "text",
    [
        "こんにちは",
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
