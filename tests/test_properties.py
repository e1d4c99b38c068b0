"""Hostile text, generated: replies stay valid Telegram HTML and the core never raises."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot import keyboards, render
from index.article import ArticleError, Section, parse_article
from index.hybrid import HybridIndex
from index.search import SearchIndex
from tests.support.telegram_html import check_callback_data, check_html, visible_length

HTML_LIKE = st.lists(
    st.sampled_from(
        ["<b>", "</b>", "<script>", "&amp;", "&", "&#x1F600;", "<", ">", '"', "'", "</blockquote>",
         "§5", "ロボット", "外科医", "AI", "🤖", "\u200b", "\u202e", "\u0000", "\n", " ", "超える"]
    ),
    max_size=40,
).map("".join)  # fmt: skip
ANY_TEXT = st.one_of(st.text(max_size=300), HTML_LIKE)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(ANY_TEXT)
def test_any_question_gets_a_valid_reply(index: SearchIndex, question: str) -> None:
    answer = index.search(question, k=6)
    text = render.answer_html(answer, 3)
    check_html(text)
    assert ("<blockquote" in text) == answer.answered
    for hit in answer.hits:
        assert hit.excerpt in hit.passage.text
        check_html(render.hit_html(hit))
        check_html(render.passage_html(hit.passage))
    markup = keyboards.answer_keyboard(answer, 3)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            check_callback_data(str(button.callback_data))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_any_question_gets_a_valid_hybrid_reply(hybrid: HybridIndex, question: str) -> None:
    answer = hybrid.search(question, k=6)
    check_html(render.answer_html(answer, 3))
    assert all(hit.excerpt in hit.passage.text for hit in answer.hits)


@settings(max_examples=10, deadline=None)
@given(
    st.text(alphabet="ロボット外科医超えるのはいつ?。🤖\n ", min_size=1, max_size=50),
    st.integers(100, 2000),
)
def test_very_long_questions(index: SearchIndex, piece: str, times: int) -> None:
    check_html(render.answer_html(index.search(piece * times), 3))


@fast
@given(st.lists(ANY_TEXT.filter(str.strip), min_size=1, max_size=30), ANY_TEXT.filter(str.strip))
def test_any_section_splits_into_valid_messages(paragraphs: list[str], title: str) -> None:
    section = Section(number=3, title=title, paragraphs=tuple(paragraphs))
    pages = render.section_pages(section)
    shown = ""
    for page in pages:
        visible = check_html(page)
        assert visible_length(visible) <= render.MAX_MESSAGE
        shown += visible
    for paragraph in paragraphs:  # nothing lost (long paragraphs may be split across pages)
        assert all(part in shown for part in paragraph.split())


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet="あ🤖a。", min_size=1, max_size=30), st.integers(200, 3000))
def test_a_paragraph_longer_than_a_message_is_cut_to_fit(piece: str, times: int) -> None:
    paragraph = piece * times
    assume(visible_length(paragraph) > render.MAX_MESSAGE)
    pages = render.section_pages(Section(1, "題", (paragraph,)))
    assert len(pages) >= 2
    assert all(visible_length(check_html(page)) <= render.MAX_MESSAGE for page in pages)


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT, ANY_TEXT)
def test_quote_keeps_the_excerpt_and_stays_short(text: str, excerpt: str) -> None:
    before, best, after = render.quote(text, excerpt)
    if excerpt and excerpt in text:
        assert best == excerpt
    assert len(before) + len(after) <= render.QUOTE_CHARS + 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text_parses_or_says_why(text: str) -> None:
    try:
        article = parse_article(text)
    except ArticleError:
        assert not text.strip()  # only a blank text has no article in it (a lone link does)
        return
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    for passage in article.passages:
        assert passage.text in normalized
    SearchIndex(article).search(text[:50])
