from __future__ import annotations

import json
from dataclasses import replace

from bot import console, keyboards, render
from index.article import Article, Passage, Section
from index.search import Answer, Hit, SearchIndex
from tests.support.telegram_html import check_callback_data, check_html, visible_length


def test_an_answer_opens_with_its_lead_then_folded_quotes_under_one_header_a_section(
    index: SearchIndex,
) -> None:
    answer = index.search("ロボットが外科医を超えるのはいつ?", k=6)
    text = render.answer_html(answer, 3)
    check_html(text)
    assert text.startswith(f"<b>{answer.lead}</b>\n\n<b>§5</b> 「3年以内に")
    assert text.count("<blockquote expandable>") == 3 and "<blockquote>" not in text
    sections = [hit.passage.section for hit in answer.hits[:3]]
    assert text.count("<b>§") == len(set(sections))  # no header repeated
    first_quote = text.split("<blockquote expandable>")[1].split("</blockquote>")[0]
    assert f"<b>{answer.lead}</b>" in first_quote  # the bold sentence is the lead


def test_no_answer_is_plain_and_points_to_sections() -> None:
    text = render.answer_html(Answer("天気", (), False), 3)
    assert "<blockquote" not in text and "/sections" in text
    check_html(text)


def test_an_unsure_answer_says_so_and_offers_its_two_closest_sections(
    index: SearchIndex,
) -> None:
    found = index.search("ロボットが外科医を超えるのはいつ?", k=6)
    hits = found.hits[:1] + tuple(h for h in found.hits if h.passage.section != 5)[:1]
    answer = replace(found, hits=hits + found.hits[2:], confidence="low")
    text = render.answer_html(answer, 3)
    check_html(text)
    assert text.startswith("<i>確かではありませんが") and text.count("<blockquote") == 2
    markup = keyboards.answer_keyboard(answer, 3)
    assert markup is not None
    labels = [button.text for button in markup.inline_keyboard[0]]
    sections = [hit.passage.section for hit in hits]
    assert labels == [f"§{n} を全文で読む" for n in sections] + ["ほかの候補"]
    plain = console.answer_text(answer)
    assert plain.startswith("確かではありませんが") and plain.count("  > ") >= 2
    assert console.answer_json(answer)["confidence"] == "low"


def test_the_bots_words_follow_the_questions_language(index: SearchIndex) -> None:
    declined = render.answer_html(Answer("weather?", (), False, language="en"), 3)
    assert declined.startswith("The article has no passage") and "/sections" in declined
    assert render.answer_html(Answer("天气", (), False, language="zh-hans"), 3).startswith(
        "这篇文章"
    )
    answer = replace(index.search("将来の世界の通貨は何になる"), language="en")
    assert render.answer_html(answer, 3).startswith("<i>From the (Japanese) article:</i>")
    markup = keyboards.answer_keyboard(answer, 3)
    assert markup is not None and markup.inline_keyboard[0][0].text == "Read §6"


def test_article_text_is_escaped() -> None:
    passage = Passage("1-1", 1, "<題> & 「x」", "a < b & c > d。これは<b>太字</b>ではない。")
    text = render.hit_html(Hit(passage, 1.0, "これは<b>太字</b>ではない。"))
    check_html(text)
    assert "&lt;b&gt;太字&lt;/b&gt;" in text and "&lt;題&gt; &amp;" in text


def test_quote_trims_around_the_best_sentence_at_sentence_ends() -> None:
    text = "".join(f"第{i}の文はここにある。" for i in range(40))
    before, best, after = render.quote(text, "第20の文はここにある。", limit=60)
    assert best == "第20の文はここにある。"
    assert before.startswith("…") and before.endswith("。")
    assert after.endswith("…") and after.removesuffix("…").endswith("。")
    assert len(before) + len(best) + len(after) <= 64


def test_sections_split_at_paragraphs_within_the_limit() -> None:
    paragraphs = tuple(f"段落{i}。" + "あ" * 900 for i in range(10))
    pages = render.section_pages(Section(2, "題", paragraphs))
    assert len(pages) == 3
    assert pages[0].startswith("<b>§2 題</b> (1/3)")
    for page in pages:
        assert visible_length(check_html(page)) <= render.MAX_MESSAGE
    assert sum(page.count("段落") for page in pages) == 10  # whole paragraphs, none split


def test_emoji_count_twice_toward_the_limit() -> None:
    pages = render.section_pages(Section(1, "題", ("🤖" * 3000,)))
    assert len(pages) == 2
    assert all(visible_length(check_html(p)) <= render.MAX_MESSAGE for p in pages)


def test_json_answer_follows_the_contract(index: SearchIndex) -> None:
    data = console.answer_json(index.search("将来の世界の通貨は何になる"))
    json.dumps(data, ensure_ascii=False)
    assert data["answered"] is True and data["confidence"] == "high"
    assert {"section", "title", "passage_id", "score", "text", "excerpt"} <= set(data["hits"][0])


def test_every_callback_data_fits_telegrams_64_bytes(index: SearchIndex) -> None:
    article = index.article
    markups = [keyboards.sections_keyboard(article)]
    for section in article.sections:
        markups.append(keyboards.section_keyboard(article, section.number, 0, 3))
        markups.append(keyboards.section_keyboard(article, section.number, 2, 3))
    markups.append(keyboards.answer_keyboard(index.search("AIと仕事と中国と宇宙", k=50), 3))
    for markup in markups:
        assert markup is not None
        for row in markup.inline_keyboard:
            for button in row:
                check_callback_data(str(button.callback_data))


def test_more_data_takes_the_shown_passages_and_as_many_candidates_as_fit() -> None:
    ids = [f"{n}-{k}" for n in range(100, 120) for k in range(10, 12)]
    data = keyboards.more_data(["5-1", "5-3", "6-2"], ids)
    assert len(data.encode()) <= 64
    press = keyboards.parse(data)
    assert press.shown == ("5-1", "5-3", "6-2")
    assert press.passage_ids == tuple(ids[: len(press.passage_ids)]) and press.passage_ids
    many = keyboards.more_data([f"10-{k}" for k in range(30)], ["1-1"])
    assert len(many.encode()) <= 64 and keyboards.parse(many).shown[-1] == "10-29"


def test_section_keyboard_pages_then_moves_to_the_next_section() -> None:
    article = Article("h", tuple(Section(n, f"t{n}", ("p",)) for n in range(3)), ())
    first = keyboards.section_keyboard(article, 0, 0, 2).inline_keyboard[0]
    assert [b.callback_data for b in first] == ["l", "n:0:1"]
    last = keyboards.section_keyboard(article, 1, 1, 2).inline_keyboard[0]
    assert [b.callback_data for b in last] == ["n:1:0", "l", "n:2:0"]
    end = keyboards.section_keyboard(article, 2, 0, 1).inline_keyboard[0]
    assert [b.callback_data for b in end] == ["n:1:0", "l"]


def test_callback_data_reads_back_as_written() -> None:
    assert keyboards.parse("n:2:1") == keyboards.Press("n", section=2, page=1)
    assert keyboards.parse("s:5:0") == keyboards.Press("s", section=5, page=0)
    assert keyboards.parse("l") == keyboards.Press("l")
    assert keyboards.parse(keyboards.more_data(["1-1"], ["3-2", "4-1"])) == keyboards.Press(
        "m", passage_ids=("3-2", "4-1"), shown=("1-1",)
    )
    assert keyboards.parse("m:3-2,4-1") == keyboards.Press("m", passage_ids=("3-2", "4-1"))
    assert keyboards.parse("s:x:") == keyboards.Press("s")  # a stale or forged button
    assert keyboards.parse("zz:1").kind == keyboards.parse(None).kind == ""
