"""Follow-ups: "more", a question without its topic, and a new topic that context must not take."""

from __future__ import annotations

import pytest

from index.article import section_of
from index.followup import Context, Kind, follow_up, kind_of
from index.hybrid import HybridIndex
from index.search import SearchIndex, said_before
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


def test_more_reads_the_section_then_the_questions_next_sections_then_ends(
    retriever: SearchIndex | HybridIndex,
) -> None:
    first = follow_up(retriever, SURGEON, None)
    assert first.answer.hits[0].passage.section == 5 and first.context is not None
    context, seen = first.context, list(first.context.shown)
    replies = []
    for _ in retriever.article.passages:  # (each "more" shows one passage at least)
        more = follow_up(retriever, "もっと詳しく", context)
        replies.append(more)
        if more.context is None:
            break
        context = more.context
    *going, end = replies
    # Every "more" shows passages not shown before, all of one section: §5's first, then
    # each other section in turn; the first from a section says which one has no more.
    read: list[int] = []
    for more in going:
        assert more.kind is Kind.MORE and more.answer.answered
        new = [h.passage.id for h in more.answer.hits[:3]]
        assert not set(new) & set(seen) and len({section_of(pid) for pid in new}) == 1
        seen += new
        section = section_of(new[0])
        if not read or read[-1] != section:
            assert section not in read
            assert more.done == tuple(read) and more.section_done == (read[-1] if read else None)
            read.append(section)
        else:
            assert more.done == ()
    assert read[0] == 5 and len(read) > 1
    assert {p.id for p in retriever.article.passages if p.section in read} <= set(seen)
    # Then the end, once: nothing answered, the sections read, and no context to go on with.
    assert end.ended and not end.answer.answered and end.done == tuple(read)


def test_a_question_without_its_topic_borrows_it(retriever: SearchIndex | HybridIndex) -> None:
    first = follow_up(retriever, "マスクはホワイトカラーが最初に淘汰されると言っている?", None)
    assert first.context is not None
    why = follow_up(retriever, "それはなぜ?", first.context)
    assert why.kind is Kind.TOPIC
    assert why.answer.answered and why.answer.hits[0].passage.section == 2
    assert why.answer.question == "それはなぜ?"


@pytest.mark.parametrize(
    "question", [SURGEON, "老後のためにお金を貯めておくべきですか", "将来の世界の通貨は何になる"]
)
def test_a_question_without_its_topic_leads_with_what_was_not_said(
    retriever: SearchIndex | HybridIndex, question: str
) -> None:
    context = follow_up(retriever, question, None).context
    leads = list(context.leads if context else ())
    for text in ("それはなぜ?", "具体的には?", "why?"):
        assert context is not None
        reply = follow_up(retriever, text, context, shown=2)
        answer = reply.answer
        assert reply.kind is Kind.TOPIC and answer.lead, text
        assert not said_before(answer.lead, leads), text  # nor a sentence of one
        shown = answer.hits[: answer.shown(2)]
        assert any(answer.lead.removesuffix("…") in hit.passage.text for hit in shown), text
        context = reply.context
        leads.append(answer.lead)
        assert context is not None and context.leads == tuple(leads)


def test_a_lead_said_is_each_of_its_sentences_and_the_sentence_it_was_cut_from() -> None:
    leads = ["「退職資金を貯める必要はない。それはもはや無関係になる。」", "今後3年以内に…"]
    assert said_before("それはもはや無関係になる。」", leads)
    assert said_before("今後3年以内に、ロボットの手術能力が", leads)
    assert not said_before("今後10年で", leads) and not said_before("", leads)


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
