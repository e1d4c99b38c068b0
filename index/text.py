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
