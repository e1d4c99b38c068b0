"""Follow-ups: "more", a question without its topic, and a new topic that context must not take."""

from __future__ import annotations

import pytest

from index.followup import Context, Kind, follow_up, kind_of
from index.hybrid import HybridIndex
from index.search import SearchIndex
from index.tokenize import Tokenizer

SURGEON = "ロボットが外科医を超えるのはいつ?"


@pytest.mark.parametrize(
    "text",
    [
        "もっと詳しく",
        "続きは?",
        "他には?",
        "もっと教えて",
        "ほかにある?",
        "それで?",
        "詳しくお願いします",
    ],
)
def test_asking_for_more(tokenizer: Tokenizer, text: str) -> None:
    assert kind_of(text, tokenizer) is Kind.MORE


@pytest.mark.parametrize(
    "text", ["それはなぜ?", "どうして?", "いつ頃?", "具体的には?", "その理由は?", "どういう意味?"]
)
def test_questions_without_a_topic(tokenizer: Tokenizer, text: str) -> None:
    assert kind_of(text, tokenizer) is Kind.TOPIC


@pytest.mark.parametrize(
    "text", ["将来の世界の通貨は何になる", "学歴の価値は?", "このインタビューはいつ公開された?"]
)
def test_questions_that_stand_alone(tokenizer: Tokenizer, text: str) -> None:
    assert kind_of(text, tokenizer) is Kind.STANDALONE


@pytest.fixture(params=["lexical", "hybrid"])
def retriever(request: pytest.FixtureRequest, index: SearchIndex) -> SearchIndex | HybridIndex:
    if request.param == "lexical":
        return index
    hybrid: HybridIndex = request.getfixturevalue("hybrid")
    return hybrid


def test_more_shows_the_sections_other_passages_then_says_it_is_done(
    retriever: SearchIndex | HybridIndex,
) -> None:
    first = follow_up(retriever, SURGEON, None)
    assert first.answer.hits[0].passage.section == 5 and first.context is not None
    context, seen = first.context, set(first.context.shown)
    section = [p.id for p in retriever.article.passages if p.section == 5]
    for _ in section:
        more = follow_up(retriever, "もっと詳しく", context)
        if more.section_done is not None:
            break
        assert more.kind is Kind.MORE and more.context is not None
        new = [h.passage.id for h in more.answer.hits[:3]]
        assert all(pid.startswith("5-") and pid not in seen for pid in new)
        seen.update(new)
        context = more.context
    assert more.section_done == 5 and not more.answer.answered
    assert {pid for pid in seen if pid.startswith("5-")} == set(section)


def test_a_question_without_its_topic_borrows_it(retriever: SearchIndex | HybridIndex) -> None:
    first = follow_up(retriever, "マスクはホワイトカラーが最初に淘汰されると言っている?", None)
    assert first.context is not None
    why = follow_up(retriever, "それはなぜ?", first.context)
    assert why.kind is Kind.TOPIC
    assert why.answer.answered and why.answer.hits[0].passage.section == 2
    assert why.answer.question == "それはなぜ?"


def test_a_new_topic_is_answered_as_if_alone(retriever: SearchIndex | HybridIndex) -> None:
    first = follow_up(retriever, SURGEON, None)
    switch = follow_up(retriever, "将来の世界の通貨は何になる", first.context)
    alone = retriever.search("将来の世界の通貨は何になる", k=6)
    assert switch.kind is Kind.STANDALONE
    assert switch.answer.hits[0].passage == alone.hits[0].passage


def test_without_context_a_follow_up_is_just_a_question(
    retriever: SearchIndex | HybridIndex,
) -> None:
    assert not follow_up(retriever, "それはなぜ?", None).answer.answered
    assert not follow_up(retriever, "もっと詳しく", Context("", ())).answer.answered
