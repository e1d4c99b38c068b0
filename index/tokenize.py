"""The one tokenizer: Sudachi terms for passages and questions alike."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import cache

import sudachipy

# sudachipy rejects input longer than this many UTF-8 bytes in one tokenize() call.
MAX_CHUNK_BYTES = 49_149
_SENTENCE_END = re.compile(r"(?<=[。!?!?\n])")

# Parts of speech that carry no content for matching.
_SKIP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Generic Japanese question words, light verbs and formal nouns: they say how something is
# asked, not what about. Any article shares them, so they only add noise to ranking.
STOP_TERMS = frozenset(
    # question words
    "何 なに 何故 なぜ どう どうして どの どんな どこ どちら どれ どれほど どれだけ どのくらい "
    "どの位 いつ 誰 だれ 如何 いかが 幾ら いくら 幾つ いくつ "
    # light and auxiliary verbs
    "為る する 有る ある 居る いる 成る なる 出来る できる 言う いう 思う 呉れる くれる 貰う "
    "もらう 行く いく 来る くる 見る みる 遣る やる 置く おく 仕舞う しまう 下さる くださる "
    # formal nouns and demonstratives
    "こと 事 もの 物 の ため 為 よう 様 ところ 所 とき 時 方 かた ほう 感じ "
    "これ それ あれ この その あの ここ そこ あそこ こう そう ああ".split()
)

SYNONYM_PREFIX = "#syn:"


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def split_for_sudachi(text: str, limit: int = MAX_CHUNK_BYTES) -> Iterator[str]:
    """Cut text at sentence ends into pieces of at most `limit` UTF-8 bytes."""
    piece: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        encoded = len(sentence.encode("utf-8"))
        if encoded > limit:  # one endless sentence: cut it at character boundaries
            if piece:
                yield "".join(piece)
                piece, size = [], 0
            yield from _hard_split(sentence, limit)
            continue
        if size + encoded > limit:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(sentence)
        size += encoded
    if piece:
        yield "".join(piece)


def _hard_split(text: str, limit: int) -> Iterator[str]:
    start = 0
    size = 0
    for i, char in enumerate(text):
        width = len(char.encode("utf-8"))
        if size + width > limit:
            yield text[start:i]
            start, size = i, 0
        size += width
    if start < len(text):
        yield text[start:]


@cache
def _dictionary() -> sudachipy.Dictionary:
    return sudachipy.Dictionary(dict="core")


class Tokenizer:
    """Turns text into matching terms: Sudachi normalized forms of content words.

    Each term also brings the ids of its Sudachi synonym groups (仕事 and 職業 share one),
    so that a question and a passage meet even where they use different words.
    Sudachi tokenizers are not thread safe: each thread gets its own.
    """

    def __init__(self, mode: str = "C", synonyms: bool = True) -> None:
        self.mode = mode
        self.synonyms = synonyms
        self._local = threading.local()

    def _sudachi(self) -> sudachipy.Tokenizer:
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = _dictionary().tokenizer(mode=self.mode)
            self._local.tokenizer = tokenizer
        return tokenizer

    def terms(self, text: str) -> list[str]:
        """Content terms of `text`, in order, with synonym-group tokens after each term."""
        return [key for word in self.words(text) for key in word]

    def words(self, text: str) -> list[tuple[str, ...]]:
        """Content words of `text`, each as (term, synonym-group tokens…)."""
        out: list[tuple[str, ...]] = []
        sudachi = self._sudachi()
        for chunk in split_for_sudachi(_normalize(text)):
            for morpheme in sudachi.tokenize(chunk):
                if morpheme.part_of_speech()[0] in _SKIP_POS:
                    continue
                term = morpheme.normalized_form().lower()
                if term in STOP_TERMS or morpheme.dictionary_form() in STOP_TERMS:
                    continue
                if not term.strip():
                    continue
                if self.synonyms:
                    groups = morpheme.synonym_group_ids()
                    out.append((term, *(f"{SYNONYM_PREFIX}{g}" for g in groups)))
                else:
                    out.append((term,))
        return out
