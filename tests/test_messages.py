"""Every word the bot says, in four languages, in one place (bot.messages)."""

from __future__ import annotations

import re
import string

import pytest

from bot import messages
from index.text import LANGUAGES

KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


def _words() -> dict[str, dict[str, object]]:
    """Each dict of user-facing words in bot.messages, by name."""
    found = {
        name: value
        for name, value in vars(messages).items()
        if name.isupper() and isinstance(value, dict) and "ja" in value
    }
    assert len(found) > 40  # (the module's words are found)
    return found


def _strings(value: object) -> list[str]:
    """The sentences of a dict's value: a string, or the strings of a tuple (of tuples)."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, tuple), value
    return [text for item in value for text in _strings(item)]


def _placeholders(value: object) -> list[list[str]]:
    return [
        sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)
        for text in _strings(value)
    ]


WORDS = _words()
# What stands before an answer for a reader of another language: nothing in Japanese.
NOTHING_IN_JAPANESE = ("FOREIGN_LEAD", "TRANSLATED_LEAD", "TRANSLATED_SECTION")


@pytest.mark.parametrize("name", sorted(WORDS))
def test_every_sentence_is_in_four_languages_with_the_same_placeholders(name: str) -> None:
    words = WORDS[name]
    assert tuple(words) == LANGUAGES
    shapes = {language: _placeholders(value) for language, value in words.items()}
    assert all(shape == shapes["ja"] for shape in shapes.values()), shapes
    assert all(
        text.strip() or name in NOTHING_IN_JAPANESE for v in words.values() for text in _strings(v)
    )


@pytest.mark.parametrize("name", sorted(WORDS))
def test_no_kana_in_english_or_chinese(name: str) -> None:
    for language in ("en", "zh-hans", "zh-hant"):
        for text in _strings(WORDS[name][language]):
            assert not KANA.search(text), (name, language, text)


def test_nothing_a_user_reads_is_left_a_plain_japanese_constant() -> None:
    plain = [
        name
        for name, value in vars(messages).items()
        if name.isupper() and isinstance(value, str) and KANA.search(value)
    ]
    assert plain == []


def test_the_menus_name_the_same_commands_in_every_language() -> None:
    names = {language: [c for c, _ in messages.commands(language)] for language in LANGUAGES}
    assert all(n == names["ja"] for n in names.values())
    groups = [c for c, _ in messages.commands("en", group=True)]
    assert groups == list(messages.GROUP_COMMANDS) and len(groups) < len(names["ja"])


def test_examples_follow_the_language_for_the_bundled_article_only() -> None:
    own = messages.EXAMPLES["ja"]
    assert messages.examples("en", own) == messages.EXAMPLES["en"]
    assert messages.examples("zh-hant", own[:2]) == messages.EXAMPLES["zh-hant"][:2]
    another = ("この記事の主張は?",)
    assert messages.examples("en", another) == another
    assert messages.examples("en", ()) == ()


def test_a_missing_language_falls_back_to_japanese() -> None:
    assert messages.said(messages.THANKS, "fr") == messages.THANKS["ja"]
