"""The one tokenizer: Sudachi terms for passages and questions alike."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import cache
from typing import NamedTuple

import sudachipy

from index.text import AFTER_SENTENCE_END, HAN, hiragana_share

# sudachipy rejects input longer than this many UTF-8 bytes in one tokenize() call.
MAX_CHUNK_BYTES = 49_149

# Parts of speech of the units that only hold words together (Tokenizer.units skips them),
# and of those that carry no content for matching.
_FUNCTION_POS = frozenset(
    {"助詞", "助動詞", "補助記号", "記号", "空白", "接尾辞", "接頭辞", "感動詞"}
)
_SKIP_POS = _FUNCTION_POS | {"副詞", "接続詞", "連体詞"}  # 連体詞: この, どういう, どのような
# Generic Japanese question words, light verbs, verbs of saying and formal nouns: they say how
# something is asked, not what about. Any article shares them, so they only add noise to
# ranking; and a question's words for the document itself (記事, 筆者) are never its topic.
STOP_TERMS = frozenset(
    # question words
    "何 なに 何故 なぜ どう どうして どの どんな どこ どちら どれ どれほど どれだけ どのくらい "
    "どの位 程度 いつ いつ頃 誰 だれ 如何 いかが 幾ら いくら 幾つ いくつ "
    # light and auxiliary verbs, and the verbs of asking
    "為る する 有る ある 居る いる 成る なる 出来る できる 言う いう 思う 呉れる くれる 貰う "
    "もらう 行く いく 来る くる 見る みる 遣る やる 置く おく 仕舞う しまう 下さる くださる "
    "掛かる かかる "
    "因る よる 依る 教える 知る 分かる 解る 聞く 尋ねる "
    # the verbs of saying and thinking that frame what the document says (と述べられている)
    "述べる 語る 話す 紹介 挙げる 説明 考える "
    # the verbs of compound particles (について, に対して, に関して)
    "付く つく 対する 関する "
    # the document itself, as questions about it name it
    "記事 筆者 著者 作者 読者 本文 文章 "
    # formal nouns and demonstratives
    "こと 事 もの 物 の ため 為 よう 様 ところ 所 とき 時 方 かた ほう 感じ "
    "これ それ あれ この その あの ここ そこ あそこ こう そう ああ".split()
)

SYNONYM_PREFIX = "#syn:"
# Answer types: what a question asks for (誰 → a person) and what a passage holds (人名).
TYPE_PREFIX = "#type:"
_QUESTION_TYPES = {
    "誰": "person", "だれ": "person",
    "どこ": "place", "何処": "place",
    "いつ": "number", "何時": "number", "いつ頃": "number", "幾ら": "number", "いくら": "number",
    "どのくらい": "number", "どの位": "number", "どれくらい": "number", "どれ位": "number",
    "どれだけ": "number", "どれほど": "number", "幾つ": "number", "いくつ": "number",
    "どの程度": "number",
}  # fmt: skip
_WHAT = ("何", "なん")
# The same question words in English and Chinese, for asked_types.
_FOREIGN_TYPES = {
    "number": re.compile(
        r"\b(how (much|many|old|long|far|big|fast)|what year|which year|when|percent(age)?|"
        r"price|cost)\b|%|多少|几|哪年|什么时候|何时|价格|多大|多久|百分"
    ),
    "person": re.compile(r"\b(who|whom|whose)\b|谁"),
    "place": re.compile(r"\bwhere\b|哪里|哪儿|在哪"),
}
_POS_TYPES = {"人名": "person", "地名": "place", "数詞": "number"}


class Word(NamedTuple):
    """One word of a text: the keys that match it, and whether it names a thing.

    (A NamedTuple rather than a frozen dataclass: a question makes dozens of them, and a
    frozen dataclass is several times slower to create.)"""

    keys: tuple[str, ...]
    noun: bool = True
    # The keys of a compound's short units (計算 and 能力 for 計算能力), for partial matches.
    parts: tuple[tuple[str, ...], ...] = ()
    # A name: a proper noun (but a person's), or a word the dictionary does not know (xAI).
    name: bool = False

    @property
    def term(self) -> str:
        return self.keys[0]

    @property
    def answer_type(self) -> bool:
        return self.term.startswith(TYPE_PREFIX)


class _Unit(NamedTuple):
    """A Sudachi short unit, as answer types read it."""

    surface: str
    pos: tuple[str, ...]


# Words analysed per tokenizer, at most this many (then the cache starts again): an article's
# vocabulary is a few thousand words, and an entry costs about 700 bytes, so a flood of
# made-up words costs at most ~7 MB.
_CACHE_SIZE = 10_000


# Characters of a reading's n-grams: as many as the shortest word respelling reads.
SOUND_GRAM = 3
_KATAKANA = re.compile(r"[ァ-ヺー]+")
_HIRAGANA = re.compile(r"[ぁ-ゖー]+")
_KANA_CHAR = re.compile(r"[ぁ-ゖァ-ヺ]")
_KANA_RUN = re.compile(r"[ぁ-ゖァ-ヺー]+")
# Respelling: words whose reading has fewer kana than this are left alone (two kana are read
# as too many words: はい, いま, かい).
RESPELL_KANA = 3
# Kana are read as words only in a question typed mostly in hiragana (nine in ten of the phone
# typists' questions have 0.86 of their letters in hiragana or more, nine in ten of the other
# writers' 0.77 or less): elsewhere they are grammar, and ほうがいい, だいたい, ようにする would
# read as 他方, 代替, 内容.
RESPELL_HIRAGANA = 0.8
_RESPELL_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
_SYMBOL_POS = frozenset({"補助記号", "記号", "空白"})


def _to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def split_for_sudachi(text: str, limit: int = MAX_CHUNK_BYTES) -> Iterator[str]:
    """Cut text at sentence ends into pieces of at most `limit` UTF-8 bytes."""
    if len(text) * 4 <= limit:  # surely short enough (a character is at most 4 bytes)
        if text:
            yield text
        return
    piece: list[str] = []
    size = 0
    for sentence in AFTER_SENTENCE_END.split(text):
        if not sentence:
            continue
        encoded = len(sentence.encode("utf-8"))
        if piece and size + encoded > limit:
            yield "".join(piece)
            piece, size = [], 0
        if encoded > limit:  # one endless sentence: cut it at character boundaries
            yield from _hard_split(sentence, limit)
        else:
            piece.append(sentence)
            size += encoded
    if piece:
        yield "".join(piece)


def _hard_split(text: str, limit: int) -> Iterator[str]:
    start = size = 0
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


_SETTINGS = ("mode", "synonyms", "answer_types", "stop_terms")  # Tokenizer's, as it pickles


class Tokenizer:
    """Turns text into matching words: Sudachi normalized forms of content words.

    A word is a tuple of keys, any of which counts as a match: its term and the ids of its
    Sudachi synonym groups (仕事 and 職業 share one). Mode "C" reads long units (計算能力),
    whose short units (計算, 能力) come along as the word's parts; mode "A" reads short units.
    Sudachi tokenizers are not thread safe: each thread gets its own.
    """

    def __init__(
        self,
        mode: str = "C",
        synonyms: bool = True,
        answer_types: bool = True,
        stop_terms: bool = True,
    ) -> None:
        if mode not in ("A", "C"):
            raise ValueError(f"mode must be A or C, not {mode!r}")
        self.mode = mode
        self.synonyms = synonyms
        self.answer_types = answer_types
        self.stop_terms = stop_terms
        self._local = threading.local()
        self._cache: dict[tuple[int, str], tuple[tuple[Word, ...], tuple[_Unit, ...]]] = {}

    def __repr__(self) -> str:
        return f"Tokenizer({self.__getstate__()})"

    def __getstate__(self) -> dict[str, object]:
        # Only the settings: Sudachi objects don't pickle, and each thread makes its own.
        return {name: getattr(self, name) for name in _SETTINGS}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _sudachi(self, mode: str | None = None) -> sudachipy.Tokenizer:
        mode = mode or self.mode
        tokenizer = getattr(self._local, mode, None)
        if tokenizer is None:
            tokenizer = _dictionary().tokenizer(mode=mode)
            setattr(self._local, mode, tokenizer)
        return tokenizer

    def _morphemes(self, text: str, mode: str | None = None) -> Iterator[sudachipy.Morpheme]:
        """The Sudachi units of `text` (already normalized), read a chunk at a time."""
        sudachi = self._sudachi(mode)
        for chunk in split_for_sudachi(text):
            yield from sudachi.tokenize(chunk)

    def terms(self, text: str) -> list[str]:
        """All keys of the words of `text`, in order (what BM25 indexes)."""
        return [key for word in self.words(text) for key in word.keys]

    def units(self, text: str) -> list[tuple[str, str, str]]:
        """(surface, dictionary form, part of speech) of each Sudachi unit of `text` that is
        more than a particle, an auxiliary, an affix, an interjection or a symbol (adverbs and
        demonstratives stay: もっと, その)."""
        return [
            (m.surface(), m.dictionary_form(), pos)
            for m in self._morphemes(_normalize(text))
            if (pos := m.part_of_speech()[0]) not in _FUNCTION_POS
        ]

    def sounds(self, text: str) -> list[str]:
        """Trigrams of the text's reading in katakana (Sudachi's reading of each unit), for
        matching what a question writes in kana, or with the wrong kanji, to the article's
        words as they sound: ろぼっと to ロボット, 外科医 to げかい. Pieces that have no kana
        reading (symbols, Latin words it does not know) cut the reading."""
        readings: list[str] = []
        for morpheme in self._morphemes(_normalize(text)):
            reading = morpheme.reading_form()
            if not _KATAKANA.fullmatch(reading):
                reading = _to_katakana(morpheme.surface())
            cut = morpheme.part_of_speech()[0] in _SYMBOL_POS or not _KATAKANA.fullmatch(reading)
            readings.append(" " if cut else reading)
        pieces = "".join(readings).split(" ")
        return [p[i : i + SOUND_GRAM] for p in pieces for i in range(len(p) - SOUND_GRAM + 1)]

    def spellings(self, text: str) -> dict[str, str]:
        """How `text` writes its words, by reading: for each content word written with kanji
        or katakana whose reading has at least RESPELL_KANA kana, its most frequent spelling
        (long and short units both: 外科医 and 外科)."""
        found: dict[str, Counter[str]] = defaultdict(Counter)
        text = _normalize(text)
        for mode in (self.mode, "A"):
            for m in self._morphemes(text, mode):
                surface, reading = m.surface(), m.reading_form()
                if (
                    m.part_of_speech()[0] in _RESPELL_POS
                    and len(reading) >= RESPELL_KANA
                    and _KATAKANA.fullmatch(reading)
                    and not _HIRAGANA.fullmatch(surface)
                ):
                    found[reading][surface] += 1
        return {reading: c.most_common(1)[0][0] for reading, c in sorted(found.items())}

    def respell(self, text: str, spellings: dict[str, str], known: Callable[[str], bool]) -> str:
        """`text` with words spelt as `spellings` (what spellings() found in a document) spells
        them, as a kana-to-kanji conversion over that document's words alone: in a text typed
        mostly in hiragana, a kana run that starts a word and begins with a word's reading
        (ろぼっと → ロボット, げかい → 外科医); and kanji that are no word the dictionary or the
        document (`known`) knows but read as one of its words (受業料 → 授業料). A word the
        dictionary knows is left as it is: the article's homophone is more often another word
        (教師 is not 教旨) than what was meant (後悔 for 公開)."""
        text = _normalize(text)
        if not spellings:
            return text
        if hiragana_share(text) < RESPELL_HIRAGANA:  # kana are its grammar, not its words
            return "".join(self._respell_kanji(text, spellings, known))
        starts, at = set(), 0
        for chunk in split_for_sudachi(text):
            starts |= {at + m.begin() for m in self._sudachi().tokenize(chunk)}
            at += len(chunk)
        longest = _longest(spellings)
        out: list[str] = []
        i = 0
        while i < len(text):
            found = _KANA_RUN.match(text, i) if i in starts and _KANA_CHAR.match(text[i]) else None
            run = _to_katakana(found.group()[:longest]) if found else ""
            sizes = range(min(longest, len(run)), RESPELL_KANA - 1, -1)  # the longest word first
            size = next((size for size in sizes if run[:size] in spellings), 0)
            out.append(spellings[run[:size]] if size else text[i])
            i += size or 1
        return "".join(self._respell_kanji("".join(out), spellings, known))

    def _respell_kanji(
        self, text: str, spellings: dict[str, str], known: Callable[[str], bool]
    ) -> Iterator[str]:
        """`text` with each stretch of kanji that is no word (受業+料, 学+暦: the dictionary
        knows them only in pieces, or not at all) and reads as a word of `spellings` (授業料,
        学歴) written that way: the longest such stretch from each place. A stretch is tried
        only while its reading is no longer than the longest word's, so a message of any length
        costs time in proportion to it (512 kanji of one kind took 7 s when every stretch was
        tried)."""
        units = list(self._morphemes(text))
        longest = _longest(spellings)
        i = 0
        while i < len(units):
            found: tuple[int, str] | None = None  # the longest stretch from i that reads so
            surface = reading = ""
            for stop in range(i + 1, len(units) + 1):
                unit = units[stop - 1]
                if not HAN.search(unit.surface()):
                    break
                surface, reading = surface + unit.surface(), reading + unit.reading_form()
                if len(reading) > longest:
                    break
                word = stop == i + 1 and not unit.is_oov()
                if not word and reading in spellings and not known(surface):
                    found = (stop, reading)
            if found is not None:
                yield spellings[found[1]]
                i = found[0]
            else:
                yield units[i].surface()
                i += 1

    def asked_types(self, question: str) -> frozenset[str]:
        """The kinds of fact a question asks for ("number", "person", "place"): from its
        question words (誰, いくら, 何年), in Japanese, English or Chinese."""
        text = _normalize(question)
        units = [unit for m in self._morphemes(text) for unit in self._analyse(m)[1]]
        kinds = {
            kind
            for i, unit in enumerate(units)
            if (kind := _asked_type(unit, units[i + 1] if i + 1 < len(units) else None))
        }
        kinds |= {kind for kind, pattern in _FOREIGN_TYPES.items() if pattern.search(text)}
        return frozenset(kinds)

    def words(self, text: str) -> list[Word]:
        """Content words of `text`, plus answer-type words (#type:person for 誰 or a name)."""
        out: list[Word] = []
        units: list[_Unit] = []
        for morpheme in self._morphemes(_normalize(text)):
            words, short_units = self._analyse(morpheme)
            out.extend(words)
            units.extend(short_units)
        for i, unit in enumerate(units if self.answer_types else []):
            if kind := _answer_type(unit, units[i + 1] if i + 1 < len(units) else None):
                out.append(Word((f"{TYPE_PREFIX}{kind}",), noun=False))
        return out

    def _analyse(self, morpheme: sudachipy.Morpheme) -> tuple[tuple[Word, ...], tuple[_Unit, ...]]:
        """The words a long unit gives and its short units, computed once per dictionary word."""
        key = (morpheme.word_id(), morpheme.surface())
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= _CACHE_SIZE:  # bounded: every user's new words land here
                self._cache.clear()
            found = self._cache[key] = self._analyse_uncached(morpheme)
        return found

    def _analyse_uncached(
        self, morpheme: sudachipy.Morpheme
    ) -> tuple[tuple[Word, ...], tuple[_Unit, ...]]:
        # Only nouns of two or more characters are compounds worth splitting (計算能力, 何時間).
        compound = morpheme.part_of_speech()[0] == "名詞" and len(morpheme.surface()) > 1
        parts = list(morpheme.split(sudachipy.SplitMode.A)) if compound else []
        if len(parts) < 2:
            parts = []
        units = tuple(_Unit(m.surface(), m.part_of_speech()) for m in parts or [morpheme])
        whole = self._word(morpheme)
        if whole is None:
            return (), units
        if not parts:
            return (whole,), units
        if parts[0].surface() in _WHAT:  # 何時間, 何人: ask for a number of 時間, 人
            return tuple(w for w in map(self._word, parts[1:]) if w is not None), units
        keys = tuple(w.keys for w in map(self._word, parts) if w is not None)
        return (whole._replace(parts=keys if len(keys) > 1 else ()),), units

    def _word(self, morpheme: sudachipy.Morpheme) -> Word | None:
        pos, kind, pos3 = morpheme.part_of_speech()[:3]
        if pos in _SKIP_POS or kind == "助動詞語幹":  # 形状詞 みたい, よう, そう: auxiliary stems
            return None
        term = morpheme.normalized_form().lower()
        if not term.strip():
            return None
        if self.stop_terms and (term in STOP_TERMS or morpheme.dictionary_form() in STOP_TERMS):
            return None
        keys: tuple[str, ...] = (term,)
        if self.synonyms:
            keys += tuple(f"{SYNONYM_PREFIX}{g}" for g in morpheme.synonym_group_ids())
        # Not people's names: Sudachi takes many common words for surnames (見方, 中山).
        name = (kind == "固有名詞" and pos3 != "人名") or (morpheme.is_oov() and kind != "数詞")
        return Word(keys, noun=pos == "名詞", name=name and pos == "名詞")


def _answer_type(unit: _Unit, following: _Unit | None) -> str | None:
    """The kind of answer a question word asks for (誰 → person), or a passage word is (人名)."""
    asked = _asked_type(unit, following)
    if asked or unit.pos[0] != "名詞":
        return asked
    return _POS_TYPES.get(unit.pos[1]) or _POS_TYPES.get(unit.pos[2])


def _asked_type(unit: _Unit, following: _Unit | None) -> str | None:
    """The kind of answer a question word asks for: 誰 → person, 何年 → number."""
    surface = unit.surface
    if surface in _WHAT:  # 何 before a counter asks for a number: 何年, 何人, 何割
        counter = following is not None and (
            following.pos[:2] in (("名詞", "数詞"), ("接尾辞", "名詞的"))
            or any(p.startswith("助数詞") for p in following.pos[2:4])
        )
        return "number" if counter else None
    # Sudachi splits どのくらい, どれだけ and the like into a demonstrative and a particle.
    joined = _QUESTION_TYPES.get(surface + following.surface) if following is not None else None
    return joined or _QUESTION_TYPES.get(surface)


_LONGEST: dict[int, tuple[dict[str, str], int]] = {}


def _longest(spellings: dict[str, str]) -> int:
    """The longest reading of `spellings`, found once for each (an index's spellings stay
    the same for its life: finding it anew cost 0.2 ms a question)."""
    kept = _LONGEST.get(id(spellings))
    if kept is None or kept[0] is not spellings:
        kept = _LONGEST[id(spellings)] = (spellings, max(map(len, spellings), default=0))
        while len(_LONGEST) > 8:  # (a process holds an index or two)
            del _LONGEST[next(iter(_LONGEST))]
    return kept[1]
