"""Which language a reply is in, decided in one place:

1. the message's own language, when its letters tell it (index.text.language): not for Han
   characters alone that Japanese writes too (第五節, 今何時?), which a Chinese reader writes
   as well;
2. else the language the user chose with /language (kept in the process, bounded);
3. else the language the user's Telegram client is set to (language_code): zh-hant, zh-tw,
   zh-hk and zh-mo are traditional Chinese, any other zh simplified, en… English, ja Japanese,
   and any other code English (a reader whose Telegram speaks French more likely reads English
   than Japanese);
4. else Japanese, the article's language.

A button answers in the language of the message it sits under: its callback_data ends in a
short tag (`~e`, `~s`, `~t`; none for Japanese), or, where a tag does not fit in 64 bytes, another
button of the same message carries it. Nothing of this lives only in one process but the
choices of /language.
"""

from __future__ import annotations

from bot.chats import Bounded
from index.text import has_kana
from index.text import language as text_language

TAGS = {"en": "e", "zh-hans": "s", "zh-hant": "t"}  # Japanese buttons carry no tag
_BY_TAG = {tag: language for language, tag in TAGS.items()}
MAX_CALLBACK_BYTES = 64
CHOICES_KEPT = 10_000


def from_client(code: str | None) -> str | None:
    """The language of a Telegram client's `language_code` (an IETF tag), None when unknown."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code.startswith("zh"):
        traditional = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
        return "zh-hant" if code.startswith(traditional) else "zh-hans"
    return "ja" if code.split("-")[0] == "ja" else "en"


def of_text(text: str | None) -> str | None:
    """A message's language when its letters tell it (not for "§5", "?" or an emoji, nor for
    Han characters alone that read as Japanese and could be Chinese: 第五節)."""
    if not text or not any(c.isalpha() for c in text):
        return None
    spoken = text_language(text)
    return None if spoken == "ja" and not has_kana(text) else spoken


def reply_language(text: str | None, chosen: str | None, code: str | None) -> str:
    """The language to answer a message `text` in (None: a command, a button), for a user who
    chose `chosen` with /language and whose Telegram client is set to `code`."""
    return of_text(text) or chosen or from_client(code) or "ja"


class Choices(Bounded[int, str]):
    """Each user's choice of /language, in this process: the latest CHOICES_KEPT users."""

    def __init__(self, kept: int = CHOICES_KEPT) -> None:
        super().__init__(kept)

    def get(self, user_id: int | None) -> str | None:
        return super().get(user_id) if user_id is not None else None

    def choose(self, user_id: int, language: str) -> None:
        self.put(user_id, language)


def tag(data: str, language: str) -> str:
    """`data` with the tag of `language`, when it fits in 64 bytes (else as it is)."""
    if language not in TAGS or untag(data)[1] is not None:
        return data
    tagged = f"{data}~{TAGS[language]}"
    return tagged if len(tagged.encode()) <= MAX_CALLBACK_BYTES else data


def untag(data: str | None) -> tuple[str, str | None]:
    """(`data` without its tag, the tag's language or None when it has none)."""
    data = data or ""
    head, sep, tail = data.rpartition("~")
    if sep and tail in _BY_TAG:
        return head, _BY_TAG[tail]
    return data, None
