from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from index.article import parse_article
from index.search import Field, Params, SearchIndex, _pairs
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
    half = index.passages.idf["ロボット"]
    assert math.isclose(half, math.log(9 / 4))
    answer = index.search("ロボット")
    assert answer.answered
    assert all("ロボット" in h.passage.text for h in answer.hits)


def test_precomputed_scores_are_rank_bm25s_own(index: SearchIndex) -> None:
    """Scoring only the passages that hold a word ranks exactly as get_scores over all of them."""
    terms = index.tokenizer.terms
    bm25 = BM25Plus([terms(p.text) for p in index.article.passages], k1=1.2, b=0.75, delta=0)
    for question in ["ロボットが外科医を超えるのはいつ", "中国の電力とチップ", "大学の授業料"]:
        words = index.tokenizer.words(question)
        expected = np.zeros(len(index.article.passages))
        for word in words:
            expected += np.max([bm25.get_scores([key]) for key in word.keys], axis=0)
        got = index.passages.scores(words)
        assert sorted(got) == [d for d in range(len(expected)) if expected[d] > 0]
        assert np.allclose([got[d] for d in sorted(got)], expected[expected > 0])


def small(*sections: str) -> SearchIndex:
    """An index over a made-up article: one numbered section per argument (title, body…)."""
    text = "見出し\n" + "\n".join(f"{i:02d}\n{body}" for i, body in enumerate(sections, 1))
    return SearchIndex(parse_article(text))


def test_synonyms_find_a_passage_in_other_words() -> None:
    index = small(
        "働き方\n職業の多くは機械に置き換えられていくと彼は語った。", "空の話\n空は青い。"
    )
    answer = index.search("仕事はなくなるの?")
    assert answer.answered and answer.hits[0].passage.section == 1


def test_a_word_with_many_synonym_groups_counts_once() -> None:
    index = small("題一\n人工知能の研究。", "題二\nAIで太陽の観測。", "題三\n太陽の話。")
    ai = index.tokenizer.words("AI")[0]
    assert len(ai.keys) > 2
    docs = [index.tokenizer.terms(p.text) for p in index.article.passages]
    bm25 = BM25Plus(docs, k1=1.2, b=0.75, delta=0)
    assert index.passages.scores([ai])[1] == max(
        bm25.get_batch_scores([key], [1])[0] for key in ai.keys
    )


def test_title_and_section_lift_the_passages_of_the_section_on_the_topic() -> None:
    index = small(
        "火星への移住\n火星に都市を作る計画がある。\n" + "移住には長い準備が要る。" * 3,
        "月の話\n月にも基地を作る。火星の話も少し出る。",
    )
    assert index.search("火星への移住の準備").hits[0].passage.section == 1


def test_a_compound_the_article_never_uses_ranks_by_its_parts() -> None:
    index = small("空の話\n太陽は遠い。発電は地上で行う。", "海の話\n海は広い。")
    assert "太陽光発電" not in index.passages.idf
    assert index.search("太陽光発電とは?").hits[0].passage.section == 1
    whole = SearchIndex(index.article, params=Params(split_unknown_compounds=False))
    assert not whole.search("太陽光発電とは?").hits


def test_who_questions_prefer_passages_that_name_people() -> None:
    index = small(
        "登場人物\n対談には投資家のデイブ・ブレンディンが登場した。",
        "内容\n対談では多くの話題が登場した。",
    )
    assert index.search("対談に登場したのは誰?").hits[0].passage.section == 1


def test_when_questions_prefer_passages_with_numbers() -> None:
    index = small(
        "予定\nロボットは外科医を超える。それは3年後だ。",
        "感想\nロボットは外科医を超える。それはいずれだ。",
    )
    assert index.search("ロボットが外科医を超えるのはいつ?").hits[0].passage.section == 1


def test_adjacent_words_lift_the_passage_that_holds_them_together() -> None:
    index = small(
        "散文\n審美眼は大切だ。だが持つのは難しい。AIの話は別だ。",
        "要点\n審美眼を持つAIは美しい未来を望む。",
    )
    assert index.search("審美眼を持ったAIは何をする").hits[0].passage.section == 2


def test_two_verbs_or_adjectives_side_by_side_are_no_pair() -> None:
    index = small("暮らし\n休むのは良いことではない。", "移行期\n移行期は厳しい。")
    words = index.tokenizer.words("移行期はいいことがないの?")
    assert _pairs(words) == ["移行期|良い"]  # and not 良い|無い
    assert _pairs(index.tokenizer.words("審美眼を持つAI")) == ["審美眼|持つ", "持つ|ai"]
    assert index.search("移行期はいいことがないの?").hits[0].passage.section == 2


def test_coverage_is_measured_over_the_best_passages_section() -> None:
    index = small("太陽光発電\n太陽光は無限である。\nそのエネルギーは無料だ。")
    section = index.article.sections[1].number
    assert index.match("太陽光のエネルギー").coverage(section) == 1.0
    unrelated = index.match("東京の天気と明日の気温")
    assert unrelated.coverage(section) < Params().min_coverage
    assert not index.search("東京の天気と明日の気温").answered


def test_search_uses_the_given_tokenizer() -> None:
    index = SearchIndex(parse_article("見出し\n本文の仕事について。"), Tokenizer(synonyms=False))
    assert not any(t.startswith("#") for t in index.passages.idf)


def test_a_field_scores_the_same_from_its_merged_words_and_from_its_data() -> None:
    index = small("題一\n人工知能の研究。", "題二\nAIで太陽の観測。", "題三\n太陽の話。")
    words = index.tokenizer.words("AIと太陽")
    first = dict(index.passages.scores(words))
    assert dict(index.passages.scores(words)) == first
    data = json.loads(json.dumps(index.passages.to_data()))
    copy = Field.from_data(data, 3)
    assert not copy._merged and dict(copy.scores(words)) == first


def _field(parts: list[Any], name: str) -> Any:
    return next(p for p in parts if isinstance(p, dict) and p.get("field") == name)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop(1),  # a passage's sentences
        lambda d: _field(d, "passages")["impacts"].update({"猫": [[99], [1.0]]}),
        lambda d: _field(d, "titles")["idf"].update({"猫": float("nan")}),
        lambda d: _field(d, "pairs").update({"impacts": []}),
        lambda d: d[1].append(["記事にない文。", []]),
        lambda d: d[1][0][1].append(len(d[0]["vocabulary"])),
        lambda d: d[1][0][1].append(-1),
        lambda d: d.pop(),  # a field
    ],
)
def test_index_data_that_does_not_fit_the_article_is_refused(damage: Any) -> None:
    index = small("題一\n人工知能の研究。", "題二\nAIで太陽の観測。", "題三\n太陽の話。")
    data = [json.loads(json.dumps(part)) for part in index.to_data()]
    copy = SearchIndex(index.article, index.tokenizer, data=data)
    assert copy.search("AIと太陽") == index.search("AIと太陽")
    damage(data)
    with pytest.raises(ValueError, match="not an index of this article"):
        SearchIndex(index.article, index.tokenizer, data=data)
