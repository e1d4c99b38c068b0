"""Which language a reply is in (bot.language)."""

from __future__ import annotations

import pytest

from bot.language import Choices, from_client, reply_language, tag, untag


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ja", "ja"),
        ("en", "en"),
        ("en-GB", "en"),
        ("zh-hans", "zh-hans"),
        ("zh-CN", "zh-hans"),
        ("zh", "zh-hans"),
        ("zh-hant", "zh-hant"),
        ("zh-TW", "zh-hant"),
        ("zh-hk", "zh-hant"),
        ("zh-MO", "zh-hant"),
        ("fr", "en"),  # a language the bot does not speak: English
        (None, None),
        ("", None),
    ],
)
def test_a_telegram_clients_language(code: str | None, language: str | None) -> None:
    assert from_client(code) == language


def test_the_message_first_then_the_choice_then_the_client_then_japanese() -> None:
    assert reply_language("When is it?", "zh-hant", "ja") == "en"
    assert reply_language("ロボットはいつ?", "en", "en") == "ja"
    assert reply_language("機器人什麼時候會超過外科醫生？", None, "en") == "zh-hant"
    assert reply_language("§5", "zh-hant", "en") == "zh-hant"  # no letters: the choice
    # Han alone that Japanese writes too (Chinese as well): the choice, the client.
    assert reply_language("第五節", None, "zh-TW") == "zh-hant"
    assert reply_language("第五章", None, "ja") == "ja"
    assert reply_language("??", None, "zh-TW") == "zh-hant"
    assert reply_language(None, None, "en-US") == "en"
    assert reply_language(None, None, None) == "ja"


def test_tags_fit_in_64_bytes_and_read_back() -> None:
    assert tag("s:5:0", "en") == "s:5:0~e" and untag("s:5:0~e") == ("s:5:0", "en")
    assert tag("s:5:0", "zh-hans") == "s:5:0~s" and tag("l", "zh-hant") == "l~t"
    assert tag("s:5:0", "ja") == "s:5:0" and untag("s:5:0") == ("s:5:0", None)
    assert tag(tag("l", "en"), "zh-hans") == "l~e"  # tagged once
    full = "m:" + "x" * 62
    assert tag(full, "en") == full  # no room: as it is
    assert untag("v:+:abc~x") == ("v:+:abc~x", None)


def test_choices_are_kept_for_the_latest_users() -> None:
    choices = Choices(kept=3)
    for user in range(5):
        choices.choose(user, "en")
    choices.choose(2, "zh-hant")
    assert [choices.get(u) for u in range(5)] == [None, None, "zh-hant", "en", "en"]
    choices.choose(5, "ja")
    assert choices.get(3) is None and choices.get(2) == "zh-hant"
