"""What a reader of the article's translations sees: a section in their language with the
original a tap away, a request to translate what was shown, and inline cards (bot.render,
bot.console, bot.session)."""

from __future__ import annotations

import re

import pytest

from bot import console, keyboards, render
from bot.session import Answered, Notice, Session, ShowSection, Translated
from index.about import About, load_about
from index.article import Article, Section, load_article
from index.followup import Context
from index.hybrid import HybridIndex
from index.search import SearchIndex
from index.translations import Translations, translations_for
from tests.support.telegram_html import check_html, visible_length

KANA = re.compile(r"[ぁ-ゖァ-ヺ]")
FOLDED = re.compile(r"<blockquote expandable>(.*?)</blockquote>", flags=re.S)


@pytest.fixture(scope="module")
def translations() -> Translations:
    return translations_for(None)


def outside_quotes(html: str) -> str:
    return re.sub(r"<blockquote[^>]*>.*?</blockquote>", "", html, flags=re.S)


def test_a_section_in_english_has_its_original_folded_at_the_end(
    article: Article, translations: Translations
) -> None:
    section = article.section(5)
    assert section is not None
    (page,) = render.section_pages(section, language="en", translations=translations)
    check_html(page)
    title = translations.text("en", section.title)
    assert page.startswith(f"<b>§5 {title}</b>\n<i>The article's text, translated from Japanese")
    assert not KANA.search(outside_quotes(page))  # English, the original aside
    (original,) = FOLDED.findall(page)
    assert original == "\n\n".join(render.escape(p) for p in section.paragraphs)


def test_a_japanese_reader_and_an_untranslated_article_see_the_section_as_before(
    article: Article, translations: Translations
) -> None:
    section = article.section(5)
    assert section is not None
    before = render.section_pages(section)
    assert render.section_pages(section, language="ja", translations=translations) == before
    assert render.section_pages(section, language="en") == before  # no translations
    assert "<blockquote" not in before[0] and before[0].startswith("<b>§5 「3年以内に")


@pytest.mark.parametrize("language", ["en", "zh-hans", "zh-hant"])
@pytest.mark.parametrize("limit", [4096, 1200, 500])
def test_every_page_of_every_translated_section_fits_and_folds_its_own_original(
    article: Article, translations: Translations, language: str, limit: int
) -> None:
    for section in article.sections:
        pages = render.section_pages(section, limit, language, translations)
        originals = []
        for page in pages:
            assert visible_length(check_html(page)) <= limit
            originals += FOLDED.findall(page)
        folded = "".join(originals).replace("\n\n", "")  # (a paragraph may be cut)
        assert all(render.escape(p) in folded for p in section.paragraphs)
        if len(pages) > 1:
            assert pages[-1].split("\n")[0].endswith(f"({len(pages)}/{len(pages)})")


def test_a_paragraph_longer_than_a_page_is_cut_beside_its_translation() -> None:
    sentences = [f"文{i}は長い。" for i in range(400)]
    translated = {s: f"Sentence {i} is long." for i, s in enumerate(sentences)}
    translated["題"] = "Title"
    section = Section(2, "題", ("".join(sentences),))
    pages = render.section_pages(section, 1000, "en", Translations({"en": translated}))
    assert len(pages) > 2
    for page in pages:
        assert visible_length(check_html(page)) <= 1000
        assert page.startswith("<b>§2 Title</b>") and FOLDED.search(page)
    everything = "".join(pages)
    assert all(s in everything for s in sentences[::50])
    assert all(t in everything for t in list(translated.values())[::50])


def test_a_section_not_wholly_translated_is_shown_in_japanese(
    article: Article, translations: Translations
) -> None:
    section = article.section(5)
    assert section is not None
    partial = Translations({"en": dict(list(translations.by_language["en"].items())[:20])})
    assert partial.section("en", section) is None
    assert render.section_pages(section, language="en", translations=partial) == (
        render.section_pages(section)
    )


def test_the_list_of_sections_and_its_buttons_are_titled_in_the_readers_language(
    article: Article, translations: Translations
) -> None:
    listing = render.sections_html(article, "en", translations)
    check_html(listing)
    assert listing.startswith("<b>Sections</b>") and not KANA.search(listing)
    buttons = keyboards.sections_keyboard(article, "zh-hant", translations).inline_keyboard
    assert [row[0].callback_data for row in buttons][5] == "s:5:0~t"
    assert not any(KANA.search(row[0].text) for row in buttons)


def test_the_console_prints_each_paragraph_then_its_original(
    article: Article, translations: Translations
) -> None:
    section = article.section(5)
    assert section is not None
    text = console.section_text(section, "zh-hans", translations)
    head, note, *_ = text.split("\n")
    assert head == f"§5 {translations.text('zh-hans', section.title)}"
    assert note == "文章内容（译自日文）："
    for paragraph in section.paragraphs:
        assert f"{translations.text('zh-hans', paragraph)}\n  > {paragraph}" in text
    assert console.section_text(section, "ja", translations) == console.section_text(section)


def test_a_request_to_translate_gets_the_last_answer_in_that_language(
    index: SearchIndex,
) -> None:
    session = Session(index)
    first = session.ask("ロボットが外科医を超えるのはいつ?", conversation=1)
    assert isinstance(first, Answered)
    again = session.ask("上の内容を英語に訳して", conversation=1)
    assert isinstance(again, Translated)
    assert again.answer.language == "en" and again.answer.hits == first.answer.hits
    assert again.answer.lead == first.answer.lead
    html = render.answer_html(again.answer, 2, session.about.translations)
    check_html(html)
    assert html.startswith("<i>From the article (translated from Japanese):</i>")
    assert not KANA.search(outside_quotes(html))
    folded = FOLDED.findall(html)
    assert not KANA.search(folded[0]) and KANA.search(folded[1])  # translated, then original
    chinese = session.ask("能不能帮我把上面的内容翻译成中文", conversation=1)
    assert isinstance(chinese, Translated) and chinese.answer.language == "zh-hans"
    original = session.ask("show me the original", conversation=1)
    assert isinstance(original, Translated) and original.answer.language == "ja"
    assert render.answer_html(original.answer, 2) == render.answer_html(first.answer, 2)


def test_a_request_to_translate_gets_the_last_section_in_that_language(
    index: SearchIndex,
) -> None:
    session = Session(index)
    shown = session.line("/section 5", conversation=7)
    assert isinstance(shown, ShowSection) and shown.language is None
    again = session.ask("Can you translate that into English?", conversation=7)
    assert again == ShowSection(shown.section, "en")
    asked = session.ask("第3章を中国語で見せて", conversation=8)  # a section asked in a language
    assert isinstance(asked, ShowSection) and asked.section.number == 3
    assert asked.language == "zh-hans"
    assert session.ask("翻譯成中文", conversation=8) == ShowSection(asked.section, "zh-hant")


def test_a_section_the_front_end_showed_is_what_a_request_translates(
    index: SearchIndex, article: Article
) -> None:
    session = Session(index)
    section = article.section(9)
    assert section is not None
    session.showed(3, section)
    assert session.ask("in English please", conversation=3) == ShowSection(section, "en")
    # Not in a group (no recall), and not in another conversation.
    assert isinstance(session.ask("in English please", conversation=3, recall=False), Notice)
    assert isinstance(session.ask("in English please", conversation=4), Notice)


@pytest.mark.parametrize(
    ("answered", "message", "said"),
    [
        (False, "Can you translate that into English?", "There is nothing to translate yet"),
        (False, "上の内容を英語に訳して", "まだ訳すものがありません。"),
        (False, "翻譯成中文", "還沒有可以翻譯的內容"),
        (True, "Translate it into French", "I can show the article only in Japanese (the "),
        (True, "フランス語に訳して", "記事を表示できるのは日本語(原文)、英語、中国語(簡体字)、"),
        (True, "訳して", "記事を表示できるのは"),
    ],
)
def test_with_nothing_shown_or_into_another_language_one_line_says_what_the_bot_can_do(
    index: SearchIndex, answered: bool, message: str, said: str
) -> None:
    session = Session(index)
    if answered:
        session.ask("ロボットが外科医を超えるのはいつ?", conversation=1)
    reply = session.ask(message, conversation=1)
    assert isinstance(reply, Notice) and reply.text.startswith(said)
    assert "\n" not in reply.text
    if message.isascii():
        assert not KANA.search(reply.text)


def test_an_article_without_translations_is_shown_only_in_japanese(index: SearchIndex) -> None:
    session = Session(index, About("記事", "", "", (), Translations()))
    session.ask("ロボットが外科医を超えるのはいつ?", conversation=1)
    reply = session.ask("Can you translate that into English?", conversation=1)
    assert reply == Notice(
        "I can show the article only in Japanese (the original), and never translate on the spot."
    )
    japanese = session.ask("日本語で", conversation=1)
    assert isinstance(japanese, Translated) and japanese.answer.language == "ja"


def test_a_reply_to_an_answer_is_translated_from_what_the_answer_carries(
    index: SearchIndex, translations: Translations
) -> None:
    session = Session(index, load_about(index.article))
    first = session.ask("ロボットが外科医を超えるのはいつ?", conversation=1)
    assert isinstance(first, Answered) and first.seen
    lead = first.answer.lead
    # What bot.conversation reads from a Japanese answer (its bold lead) and an English one
    # (its lead's first sentence, translated, in bold).
    first_sentence = next(s for s in translations.by_language["en"] if lead.startswith(s))
    for topic in (lead, translations.by_language["en"][first_sentence]):
        replied = Context(topic, first.seen)
        reply = session.ask("翻譯成中文", conversation=2, earlier=replied)
        assert isinstance(reply, Translated) and reply.answer.language == "zh-hant"
        shown = first.answer.hits[:2]
        assert [h.passage for h in reply.answer.hits] == [h.passage for h in shown]
        assert lead.startswith(reply.answer.lead) and reply.answer.lead


def test_an_inline_card_in_english_marks_the_translation_and_folds_the_original(
    index: SearchIndex, translations: Translations
) -> None:
    hit = index.search("ロボットが外科医を超えるのはいつ?").hits[0]
    card = render.card_html(hit, hit.excerpt, "en", translations)
    check_html(card)
    note, said = card.split("\n\n")[:2]
    assert note == "<i>From the article (translated from Japanese):</i>"
    assert said == f"<b>{render.escape(translations.text('en', hit.excerpt) or '')}</b>"
    assert not KANA.search(outside_quotes(card))
    assert len(FOLDED.findall(card)) == 2
    assert render.card_html(hit, hit.excerpt) == render.card_html(hit, hit.excerpt, "ja")
    section = load_article().section(5)
    assert section is not None
    opening = render.section_card_html(section, "en", translations)
    assert not KANA.search(opening.split("<blockquote expandable>")[1])
    assert KANA.search(opening.split("<blockquote expandable>")[2])


def test_a_more_in_english_is_labelled_as_translated_and_other_passages_too(
    hybrid: HybridIndex, translations: Translations
) -> None:
    session = Session(hybrid)
    session.ask("When will robots beat the best surgeons?", conversation=7)
    more = session.ask("more", conversation=7)
    assert isinstance(more, Answered) and not more.answer.lead  # a "more" has no lead
    shown = render.answer_html(more.answer, 2, translations)
    assert shown.startswith("<i>From the article (translated from Japanese):</i>")
    assert not KANA.search(outside_quotes(shown))
    passages = [hit.passage for hit in more.answer.hits[:2]]
    others = render.passages_html(passages, "en", translations)
    assert others.startswith("<i>From the article (translated from Japanese):</i>")
    folded = FOLDED.findall(others)
    assert len(folded) == 4 and not KANA.search(folded[0]) and KANA.search(folded[1])
    assert render.passages_html(passages) == "\n\n".join(map(render.passage_html, passages))
