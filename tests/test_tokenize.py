from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

import index.tokenize as tokenize_module
from index.text import language as text_language
from index.tokenize import (
    MAX_CHUNK_BYTES,
    SYNONYM_PREFIX,
    TYPE_PREFIX,
    Tokenizer,
    split_for_sudachi,
)


def plain(tokenizer: Tokenizer, text: str) -> list[str]:
    return [t for t in tokenizer.terms(text) if not t.startswith(SYNONYM_PREFIX)]


def test_particles_symbols_and_spaces_are_dropped(tokenizer: Tokenizer) -> None:
    # Sudachi's normalized form of 超える is 越える.
    assert plain(tokenizer, "ロボットが、外科医を 超える。") == ["ロボット", "外科医", "越える"]


def test_width_and_case_are_folded(tokenizer: Tokenizer) -> None:
    assert plain(tokenizer, "ＡＩ") == plain(tokenizer, "ai") == plain(tokenizer, "AI")
    assert plain(tokenizer, "ﾛﾎﾞｯﾄ") == plain(tokenizer, "ロボット")
    assert plain(tokenizer, "９３００") == plain(tokenizer, "9300")


def test_inflected_forms_meet_at_sudachi_normalized_form(tokenizer: Tokenizer) -> None:
    assert plain(tokenizer, "貯めた") == plain(tokenizer, "貯める")
    assert plain(tokenizer, "超えます") == plain(tokenizer, "超える")


def test_question_words_and_light_verbs_are_not_terms(tokenizer: Tokenizer) -> None:
    assert plain(tokenizer, "それはどうなるのですか?") == []
    assert plain(tokenizer, "何ができるの") == []
    assert plain(tokenizer, "費用はかかる?") == ["費用"]


def test_conjunctions_and_compound_particles_are_not_terms(tokenizer: Tokenizer) -> None:
    assert plain(tokenizer, "じゃあ大学について教えて") == ["大学"]
    assert plain(tokenizer, "でも教育に対しては?") == ["教育"]


def test_how_a_question_frames_the_document_is_not_terms(tokenizer: Tokenizer) -> None:
    # adnominals (どのような), verbs of saying, and the document's own names for itself
    assert plain(tokenizer, "どのような理由が挙げられていますか") == ["理由"]
    assert plain(tokenizer, "筆者は記事で火星について何と述べている?") == ["火星"]
    assert plain(tokenizer, "マスクはどういう教育を語っている?") == ["マスク", "教育"]


def test_auxiliary_stems_are_not_terms(tokenizer: Tokenizer) -> None:
    # みたい, よう and そう are 形状詞 in Sudachi, but stems of auxiliaries ("like", "seems").
    assert plain(tokenizer, "オフィスみたいな場所") == ["オフィス", "場所"]
    assert plain(tokenizer, "崩れそうだ") == ["崩れる"]


def test_what_and_a_counter_is_a_number_question_not_a_term(tokenizer: Tokenizer) -> None:
    # Sudachi's long units hold 何 and the counter as one word (何時間, 何人).
    kinds = [w.term for w in tokenizer.words("何時間かかった?") if w.answer_type]
    assert kinds == [f"{TYPE_PREFIX}number"]
    assert plain(tokenizer, "何時間?") == ["時間", f"{TYPE_PREFIX}number"]
    assert plain(tokenizer, "子供は何人?") == ["子供", f"{TYPE_PREFIX}number"]


def test_synonym_groups_join_different_words(tokenizer: Tokenizer) -> None:
    job = set(tokenizer.terms("仕事")) & set(tokenizer.terms("職業"))
    ai = set(tokenizer.terms("AI")) & set(tokenizer.terms("人工知能"))
    assert job and all(t.startswith(SYNONYM_PREFIX) for t in job)
    assert ai and all(t.startswith(SYNONYM_PREFIX) for t in ai)
    assert not set(tokenizer.terms("仕事")) & set(tokenizer.terms("太陽"))


def test_synonyms_can_be_switched_off() -> None:
    assert Tokenizer(synonyms=False).terms("仕事") == ["仕事"]


def test_words_keep_each_term_with_its_synonyms(tokenizer: Tokenizer) -> None:
    words = tokenizer.words("人工知能の仕事")
    assert [w.term for w in words] == ["人工知能", "仕事"]
    assert all(key.startswith(SYNONYM_PREFIX) for w in words for key in w.keys[1:])


def test_nouns_are_told_from_other_words(tokenizer: Tokenizer) -> None:
    assert [(w.term, w.noun) for w in tokenizer.words("太陽は熱い")] == [
        ("太陽", True),
        ("熱い", False),
    ]


def test_a_compound_is_one_word_with_its_parts(tokenizer: Tokenizer) -> None:
    assert [w.term for w in tokenizer.words("エネルギー源")] == ["エネルギー源"]
    (word,) = tokenizer.words("計算能力")
    assert word.term == "計算能力"
    assert [part[0] for part in word.parts] == ["計算", "能力"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("対談に出たのは誰?", "person"),
        ("どこの国が勝つ?", "place"),
        ("いつ超える?", "number"),
        ("授業料はいくら?", "number"),
        ("何時間かかった?", "number"),
        ("何割の仕事?", "number"),
        # Sudachi splits these into どの/どれ and a particle
        ("どのくらい代替できる?", "number"),
        ("どれくらいかかる?", "number"),
        ("どれだけ増える?", "number"),
        ("どの程度こなせる?", "number"),
        ("いつ頃になる?", "number"),
        ("子供は何人?", "number"),
        ("何が変わる?", None),
    ],
)
def test_question_words_ask_for_an_answer_type(
    tokenizer: Tokenizer, question: str, kind: str | None
) -> None:
    kinds = [w.term for w in tokenizer.words(question) if w.answer_type]
    assert kinds == ([f"{TYPE_PREFIX}{kind}"] if kind else [])


def test_names_places_and_numbers_are_typed(tokenizer: Tokenizer) -> None:
    kinds = [w.term for w in tokenizer.words("デイブは中国で3年") if w.answer_type]
    assert sorted(kinds) == sorted(f"{TYPE_PREFIX}{k}" for k in ("person", "place", "number"))


def test_input_longer_than_sudachi_limit_is_tokenized(tokenizer: Tokenizer) -> None:
    sentence = "ロボットが外科医を超える。"
    text = sentence * (3 * MAX_CHUNK_BYTES // len(sentence.encode()))
    assert len(text.encode()) > 2 * MAX_CHUNK_BYTES
    assert plain(tokenizer, text).count("外科医") == text.count("外科医")


def test_one_endless_sentence_is_cut_and_tokenized(tokenizer: Tokenizer) -> None:
    text = "あ" * (MAX_CHUNK_BYTES + 10)
    assert isinstance(tokenizer.terms(text), list)


@given(st.text(max_size=300), st.integers(min_value=4, max_value=64))
def test_split_keeps_text_and_respects_the_limit(text: str, limit: int) -> None:
    pieces = list(split_for_sudachi(text, limit))
    assert "".join(pieces) == text
    assert all(0 < len(p.encode()) <= limit for p in pieces)


def test_split_prefers_sentence_ends() -> None:
    text = "一つ目の文。二つ目の文。三つ目の文。"
    pieces = list(split_for_sudachi(text, len("一つ目の文。二つ目の文。".encode())))
    assert pieces == ["一つ目の文。二つ目の文。", "三つ目の文。"]


@given(st.text(max_size=200))
def test_any_text_tokenizes(text: str) -> None:
    terms = Tokenizer().terms(text)
    assert all(t and t == t.lower() for t in terms)


def test_words_are_the_same_from_the_cache_and_the_cache_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokenize_module, "_CACHE_SIZE", 5)
    text = "何時間もかけて、誰がどこで計算能力を東京タワーに集めたのか。"
    fresh = Tokenizer()
    first = fresh.words(text)
    assert fresh.words(text) == first == Tokenizer(mode="C").words(text)
    assert 0 < len(fresh._cache) <= 5


def test_readings_meet_however_a_word_is_spelt(tokenizer: Tokenizer) -> None:
    assert set(tokenizer.sounds("げかい")) <= set(tokenizer.sounds("外科医を超える"))
    assert "ロボッ" in tokenizer.sounds("ろぼっと") and "ロボッ" in tokenizer.sounds("ロボット")


def test_respelling_writes_kana_and_unknown_kanji_as_the_document_does(
    tokenizer: Tokenizer,
) -> None:
    spellings = tokenizer.spellings("ロボットの手術能力は外科医を超える。授業料は上がった。")
    known = "ロボット 手術 能力 外科医 超える 授業料 上がる".split()
    respell = functools.partial(tokenizer.respell, spellings=spellings, known=known.__contains__)
    assert respell("ろぼっとがげかいをこえる?") == "ロボットが外科医を超える?"
    assert respell("受業料あがった?") == "授業料あがった?"  # 受業+料: no dictionary word
    assert respell("ほうがいい手術?") == "ほうがいい手術?"  # mostly kanji: kana are grammar
    assert respell("家庭教師の手術") == "家庭教師の手術"  # dictionary words stay
    assert respell("はい") == "はい"  # two kana are too few to read as a word
    assert tokenizer.respell("ろぼっと", {}, known.__contains__) == "ろぼっと"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ロボットはいつ?", "ja"),
        ("AIとjob", "ja"),
        ("今何時?", "ja"),  # kanji alone, but none Japanese does not write
        ("太陽光発電", "ja"),
        ("When will robots beat surgeons?", "en"),
        ("未来的货币是什么", "zh-hans"),
        ("星舰发射一次要多少钱", "zh-hans"),  # 发, 钱: not Japanese characters
        ("梅西今年多大了", "zh-hans"),  # 了: a Chinese function word
        ("退休後還需要存錢嗎?", "zh-hant"),  # 還, 錢, 嗎: traditional characters
        ("馬斯克認為白領工作會怎樣?", "zh-hant"),
        ("謝謝", "zh-hant"),
        ("123?", "ja"),
    ],
)
def test_the_language_of_a_question_is_read_from_its_script(text: str, language: str) -> None:
    assert text_language(text) == language


def test_asked_types_read_question_words_in_three_languages(tokenizer: Tokenizer) -> None:
    asked = tokenizer.asked_types
    assert asked("マスクは何歳?") == {"number"}
    assert asked("誰が出ていた?") == {"person"}
    assert asked("How old is Musk?") == {"number"}
    assert asked("Who hosted it?") == {"person"}
    assert asked("马斯克多大了") == {"number"}
    assert asked("ロボットはどうなる?") == asked("イーロン・マスクは?") == frozenset()


def test_respelling_a_long_run_of_kanji_reads_each_unit_a_bounded_number_of_times(
    tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message of one kanji repeated (学学学…, 512 of them: what retrieval read before) took
    7 s when every stretch of the run was tried; a stretch longer than the document's longest
    word is no longer tried, so the work grows with the message, not with its square."""
    spellings = tokenizer.spellings("授業料は上がった。学歴の価値。")
    units = list(tokenizer._morphemes("学" * 512))
    reads = 0

    class Counted:
        def __init__(self, unit: object) -> None:
            self.unit = unit

        def __getattr__(self, name: str) -> object:
            return getattr(self.unit, name)

        def reading_form(self) -> str:
            nonlocal reads
            reads += 1
            return str(self.unit.reading_form())  # type: ignore[attr-defined]

    monkeypatch.setattr(tokenizer, "_morphemes", lambda text, mode=None: map(Counted, units))
    assert "".join(tokenizer._respell_kanji("学" * 512, spellings, lambda _: False))
    longest = max(map(len, spellings))
    assert reads <= len(units) * (longest + 1)  # (every stretch tried: about len(units)² / 2)


def test_a_long_message_is_read_by_its_start_and_its_end() -> None:
    from index.text import QUESTION_CHARS, question_part

    short = "ロボットが外科医を超えるのはいつ?"
    assert question_part(short) == short
    context = "妻が入院していて、毎日病院に通っています。" * 30
    read = question_part(context + "ロボットの手術はいつ病院に来るのですか?")
    assert read.endswith("ロボットの手術はいつ病院に来るのですか?")  # the question, asked last
    assert read.startswith("妻が入院していて") and len(read) <= QUESTION_CHARS + 3
