"""Hybrid retrieval: BM25 and the sentence encoder together."""

from __future__ import annotations

import pytest

from index.article import parse_article
from index.embed import default_encoder
from index.hybrid import HybridIndex, HybridParams
from index.search import SearchIndex


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


def test_where_bm25_is_sure_the_encoder_is_not_asked(hybrid: HybridIndex) -> None:
    sure = hybrid.rank("三重指数関数的法則とは")
    assert sure is not None and sure.cosines is None
    assert hybrid.article.passages[sure.order[0]].section == 5
    asked = hybrid.rank("AIの安全性のために何が大切?")
    assert asked is not None and asked.cosines is not None
    never = HybridIndex(hybrid.lexical, hybrid.encoder, HybridParams(sure_coverage=0.0))
    ranking = never.rank("三重指数関数的法則とは")
    assert ranking is not None and ranking.cosines is not None


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


def test_a_questions_vector_is_computed_once(hybrid: HybridIndex) -> None:
    question = "火星に住む日は来るのか、来ないのか"
    first = hybrid.encoder.question(question)
    assert hybrid.encoder.question(question) is first
    assert not first.flags.writeable  # shared through the cache
