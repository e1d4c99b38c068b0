from __future__ import annotations

import math

import pytest
from rank_bm25 import BM25Plus

from index.article import parse_article
from index.search import MIN_COVERAGE, SearchIndex
from index.tokenize import Tokenizer

# Questions in a reader's own words (not the evaluation set), with the section that answers.
ANSWERABLE = [
    ("退職後の資金は心配しなくていいの?", 4),
    ("手術ロボットはどうやって学ぶ?", 5),
    ("太陽光発電について中国をどう評価している?", 6),
    ("スターシップを開発する理由は?", 7),
    ("F1のたとえは何を意味する?", 8),
    ("課題がなくなった人生は良いことか", 9),
    ("AIに人間を傷つけるなというルールを書くべき?", 10),
    ("ピーター・ダイアマンディスは何者?", 0),
]
OFF_TOPIC = [
    "明日の大阪の天気を教えて",
    "おすすめのラーメン屋は?",
    "JavaScriptの配列をソートしたい",
    "サッカーのワールドカップの優勝国は",
]


@pytest.mark.parametrize(("question", "section"), ANSWERABLE)
def test_best_hit_is_in_the_answering_section(
    index: SearchIndex, question: str, section: int
) -> None:
    answer = index.search(question)
    assert answer.answered
    assert answer.hits[0].passage.section == section


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_declined_without_hits(index: SearchIndex, question: str) -> None:
    answer = index.search(question)
    assert not answer.answered
    assert answer.hits == ()


@pytest.mark.parametrize("question", ["", "   ", "?!。", "の が を に", "zzqx"])
def test_questions_matching_nothing_are_declined(index: SearchIndex, question: str) -> None:
    answer = index.search(question)
    assert (answer.answered, answer.hits) == (False, ())


def test_hits_are_ordered_best_first_and_limited(index: SearchIndex) -> None:
    hits = index.search("ロボットの手術", k=4).hits
    assert 1 <= len(hits) <= 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.passage.id for h in hits}) == len(hits)


def test_excerpt_is_the_sentence_of_the_passage_that_answers(index: SearchIndex) -> None:
    hit = index.search("太陽は地球からどれくらい遠い?").hits[0]
    assert hit.excerpt in hit.passage.text
    assert "9300万マイル" in hit.excerpt
    assert len(hit.excerpt) < len(hit.passage.text)


def test_term_in_half_the_passages_still_counts() -> None:
    """BM25Okapi gives such a term IDF 0; the chosen variant must keep it positive."""
    text = "\n\n".join(f"{'ロボット' if i % 2 else '太陽'}の話、その{i}番目。" for i in range(8))
    index = SearchIndex(parse_article(text))
    assert len(index.article.passages) == 8
    half = index.bm25.idf["ロボット"]
    assert math.isclose(half, math.log(9 / 4))
    answer = index.search("ロボット")
    assert answer.answered
    assert all("ロボット" in h.passage.text for h in answer.hits)


def test_scoring_only_candidates_ranks_like_scoring_everything(index: SearchIndex) -> None:
    bm25: BM25Plus = index.bm25
    for question in ["ロボットが外科医を超えるのはいつ", "中国の電力とチップ", "大学の授業料"]:
        query = index.tokenizer.terms(question)
        full = bm25.get_scores(query)
        expected = sorted(
            (i for i in range(len(full)) if full[i] > 0), key=lambda i: (-full[i], i)
        )[:5]
        got = [index.article.passages.index(h.passage) for h in index.search(question).hits]
        assert got == expected


def test_coverage_decides_answered() -> None:
    index = SearchIndex(parse_article("見出し\n01\n題\n太陽光は無限のエネルギーである。"))
    words = index.tokenizer.words("太陽光のエネルギー")
    assert index.coverage(words, 0) == 1.0
    unrelated = index.tokenizer.words("東京の天気と明日の気温")
    assert index.coverage(unrelated, 0) < MIN_COVERAGE
    assert not index.search("東京の天気と明日の気温").answered


def test_search_uses_the_given_tokenizer() -> None:
    index = SearchIndex(parse_article("見出し\n本文の仕事について。"), Tokenizer(synonyms=False))
    assert not any(t.startswith("#") for t in index.bm25.doc_freqs[0])
