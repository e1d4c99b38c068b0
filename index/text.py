"""Text helpers shared by the core and the front ends (one definition each)."""

from __future__ import annotations

import re

# What ends a sentence in the article's Japanese (full-width and ASCII marks, and a line end).
SENTENCE_END = "。!?！？\n"
# A sentence: up to and including its end marks and any closing brackets after them.
SENTENCE = re.compile(rf"[^{SENTENCE_END}]+[{SENTENCE_END[:-1]}]*[」』)）]*")
# Where a text may be cut between sentences.
AFTER_SENTENCE_END = re.compile(rf"(?<=[{SENTENCE_END}])")
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text`, cut to at most `limit` characters with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


# What of a message is read: its start and its end (a long message gives its circumstances
# first and asks last). The encoder's time grows faster than the text: 512 random kanji took
# 0.92 s, 160 about 0.2 s (a 2-core AMD EPYC guest, 2026-12-07), and a message of Telegram's
# 4,096 characters must cost no more than 0.3 s whatever it holds. The question sets' longest
# message is 233 characters, and all but 3 of their 2,289 are under 160.
QUESTION_CHARS = 160


def question_part(text: str) -> str:
    """The part of a message that retrieval reads: all of it, or its first and last
    QUESTION_CHARS / 2 characters."""
    if len(text) <= QUESTION_CHARS:
        return text
    half = QUESTION_CHARS // 2
    return f"{text[:half]} {ELLIPSIS} {text[-half:]}"


# Half of a UTF-16 surrogate pair alone: what JSON's "\ud800" or a command line's undecodable
# byte becomes, which no encoder (UTF-8, Sudachi's, the HTTP client's) can write.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD, the replacement character."""
    return _LONE_SURROGATE.sub("\ufffd", text)


_KANA = re.compile(r"[ぁ-ゖァ-ヺー]")
_HIRAGANA = re.compile(r"[ぁ-ゖ]")
HAN = re.compile(r"[㐀-䶿一-鿿豈-﫿]")  # a Han character (kanji, hanzi)
_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
# Chinese words that Japanese does not write alone (的, 了, 吗, 嗎, 中文 …), in either script: with
# Han and no kana, they tell Chinese from a Japanese question in kanji alone (「今何時?」).
_CHINESE = re.compile("[的了吗呢么们这那哪谁怎啥吧没嗎麼們這誰沒還什看]|謝謝|谢谢|中文|翻譯")
# The languages a message is read in (and the bot speaks): Japanese, English, and Chinese in
# simplified and in traditional characters.
LANGUAGES = ("ja", "en", "zh-hans", "zh-hant")


def language(text: str) -> str:
    """The message's language, one of LANGUAGES, from its script: any kana is Japanese; Han
    without kana is Chinese when it holds a character Japanese does not write (outside JIS X
    0208: 发, 钱, 嗎) or a Chinese function word; Latin letters alone are English; the rest
    Japanese. Chinese is traditional when more of its characters belong to traditional
    Chinese's character set (Big5) alone than to simplified's (GB 2312) alone."""
    if _KANA.search(text):
        return "ja"
    if han := HAN.findall(text):
        if not (_CHINESE.search(text) or not all(_encodes(c, "cp932") for c in han)):
            return "ja"
        traditional = sum(_encodes(c, "big5") and not _encodes(c, "gb2312") for c in han)
        simplified = sum(_encodes(c, "gb2312") and not _encodes(c, "big5") for c in han)
        return "zh-hant" if traditional > simplified else "zh-hans"
    return "en" if _LATIN.search(text) else "ja"


def has_kana(text: str) -> bool:
    """Whether the text holds kana (what makes it Japanese for certain)."""
    return bool(_KANA.search(text))


def _encodes(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def hiragana_share(text: str) -> float:
    """The share of a text's letters (kana, Han, Latin) written in hiragana."""
    letters = len(_KANA.findall(text)) + len(HAN.findall(text)) + len(_LATIN.findall(text))
    return len(_HIRAGANA.findall(text)) / letters if letters else 0.0
