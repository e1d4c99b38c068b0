"""Tests of the strict Telegram HTML checker in ``telegram_html.py``."""

from __future__ import annotations

import html
import string
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from tests.support.telegram_html import (
    TelegramHTMLError,
    check_callback_data,
    check_html,
    check_message,
    parse_html,
    visible_length,
)

FORMATTING = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler"]
URL = "https://example.com/"


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("記事の引用です。\nline two\n", "記事の引用です。\nline two\n"),
        *[(f"<{tag}>x</{tag}>", "x") for tag in FORMATTING],
        ('<span class="tg-spoiler">s</span>', "s"),
        ("<span class='tg-spoiler'>s</span>", "s"),
        ('<a  href = "https://example.com/?a=1&amp;b=2"  >q</a >', "q"),
        ('<a href="tg://user?id=123">u</a>', "u"),
        ('<a href="?x=a>b">gt in a value</a>', "gt in a value"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("<code>x</code><pre>y</pre><pre><code>z</code></pre>", "xyz"),
        ('<pre><code class="language-python">1 &lt; 2</code></pre>', "1 < 2"),
        ("<blockquote expandable><b>bold</b> quote</blockquote>", "bold quote"),
        (
            '<b><i><u><s>deep <code>mono</code></s></u></i></b><a href="x"><b>l</b></a>',
            "deep monol",
        ),
        ("<b></b>empty tags are fine", "empty tags are fine"),
        ("&lt;tag&gt; &amp; &quot;q&quot; 'single'", "<tag> & \"q\" 'single'"),
        ("&#65;&#x42;&#X43;&#x1F600;&#0065;&#39;", "ABC😀A'"),
        ("a; b # c = d / e", "a; b # c = d / e"),
    ],
)
def test_accepts(text: str, visible: str) -> None:
    assert check_html(text) == visible


@pytest.mark.parametrize(
    ("text", "problem", "position"),
    [
        ("<div>x</div>", "unsupported tag <div>", 0),
        ("line<br>break", "unsupported tag <br>", 4),
        ("<br/>", "unsupported tag <br>", 0),
        ("<b/>x", "self-closing", 0),
        ("<B>x</B>", "lower-case", 0),
        ("<b>x</B>", "lower-case", 4),
        ('<a HREF="x">x</a>', "'HREF' is not allowed", 0),
        ("<!-- comment -->x", "'<' does not start a tag", 0),
        ("x<![x[", "'<' does not start a tag", 1),
        ('<b class="x">x</b>', "'class' is not allowed on <b>", 0),
        ("<pre expandable>x</pre>", "'expandable' is not allowed on <pre>", 0),
        ('<a href="x" title="t">x</a>', "'title' is not allowed on <a>", 0),
        ("<a>x</a>", 'needs href="..."', 0),
        ("<a href>x</a>", 'needs href="..."', 0),
        ('<a href="  ">x</a>', "empty href", 0),
        ("<a href=https://example.com/>x</a>", "must be quoted", 0),
        ('<a href="x"title="y">x</a>', "separated by spaces", 0),
        ('<a href="x" href="y">x</a>', "duplicate attribute", 0),
        ('<a href="?a=1&b=2">x</a>', "bare '&'", 13),
        ('<a href="&nbsp;">x</a>', "unsupported named entity &nbsp;", 9),
        ('<a href="<b>">x</a>', "'<' in an attribute value", 9),
        ('<span class="spoiler">x</span>', 'only allowed as <span class="tg-spoiler">', 0),
        ("<span>x</span>", 'needs class="..."', 0),
        ("<tg-emoji>👍</tg-emoji>", 'needs emoji-id="..."', 0),
        ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "must be a decimal number", 0),
        ('<tg-emoji emoji-id="1"> </tg-emoji>x', "must contain an emoji", 0),
        ('<code class="language-python">x</code>', "only allowed directly in <pre>", 0),
        ('<pre><code class="python">x</code></pre>', 'must be "language-<name>"', 5),
        ('<blockquote expandable="true">x</blockquote>', "bare attribute", 0),
        ("<b><i>x</b></i>", "closing tag </b> does not match the open <i>", 7),
        ("<b><i>x</i>", "unclosed tag <b>", 0),
        ("x</b>", "closing tag </b> without an opening tag", 1),
        ("<b>x</b", "'<'", 4),
        ("<b>x</b x>", "malformed closing tag", 4),
        ("<blockquote><b><blockquote>x</blockquote></b></blockquote>", "must not be nested", 15),
        ('<a href="x"><a href="y">x</a></a>', "<a> must not be nested", 12),
        ("<code><b>x</b></code>", "<code> must not contain other tags", 6),
        ("<pre><b>x</b></pre>", "<pre> may only contain <code>", 5),
        ("<pre><code><b>x</b></code></pre>", "<code> must not contain other tags", 11),
        ('<tg-emoji emoji-id="1"><b>👍</b></tg-emoji>', "<tg-emoji> must not contain", 23),
        ("a < b", "unescaped '<'", 2),
        ("I <3 you", "unescaped '<'", 2),
        ("ends with <", "unescaped '<'", 10),
        ("x <b", "unescaped '<'", 2),
        ("ab > c", "unescaped '>'", 3),
        ("Q&A", "bare '&'", 1),
        ("x&lt", "bare '&'", 1),
        ("&lt y", "bare '&'", 0),
        ("&#;", "bare '&'", 0),
        ("&#12a;", "bare '&'", 0),
        ("&#65", "bare '&'", 0),
        ("&nbsp;", "unsupported named entity &nbsp;", 0),
        ("&LT;", "unsupported named entity &LT;", 0),
        ("xy&#0;", "not a valid code point", 2),
        ("&#xD800;", "not a valid code point", 0),
        ("&#x110000;", "not a valid code point", 0),
        ("&#99999999999999999999999999;", "not a valid code point", 0),
        ("lone \ud800 surrogate", "lone surrogate", 5),
    ],
)
def test_rejects(text: str, problem: str, position: int) -> None:
    with pytest.raises(TelegramHTMLError) as info:
        check_html(text)
    assert problem in str(info.value) and info.value.position == position


@pytest.mark.parametrize("text", ["", "   \n\t", "<b> </b>", "<b></b>", "&#32;&#x0A;"])
def test_rejects_empty_text(text: str) -> None:
    with pytest.raises(TelegramHTMLError, match="empty"):
        check_html(text)


def test_limit_counts_visible_utf16_code_units() -> None:
    assert check_html("😀" * 2048) == "😀" * 2048
    assert check_html("<b>" + "&amp;" * 4096 + "</b>") == "&" * 4096  # markup is not counted
    for text in ("😀" * 2048 + "a", "a" * 4097):
        with pytest.raises(TelegramHTMLError, match="too long: 4097"):
            check_html(text)
    with pytest.raises(TelegramHTMLError, match="limit 1"):
        check_html("😀", limit=1)
    assert visible_length("a👍🏽𠮷日") == 8


def test_entities_are_the_formatting_in_utf16_offsets() -> None:
    text = '😀 <b>bold <i>both</i></b> <a href="https://x/?a&amp;b">link</a> <pre><code '
    text += 'class="language-py">1</code></pre><blockquote expandable>q</blockquote>'
    visible, entities = parse_html(text)
    assert visible == "😀 bold both link 1q"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 13, "length": 4, "url": "https://x/?a&b"},
        {"type": "pre", "offset": 18, "length": 1, "language": "py"},
        {"type": "expandable_blockquote", "offset": 19, "length": 1},
    ]


@pytest.mark.parametrize("data", ["a", "x" * 64, "é" * 32, "😀" * 16, "q:12:page=3"])
def test_accepts_callback_data(data: str) -> None:
    check_callback_data(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("", "got 0"),
        ("x" * 65, "got 65"),
        ("日" * 22, "got 66"),
        ("\ud800", "surrogate"),
        (7, "str"),
    ],
)
def test_rejects_callback_data(data: Any, problem: str) -> None:
    with pytest.raises(TelegramHTMLError, match=problem):
        check_callback_data(data)


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


@pytest.mark.parametrize(
    "params",
    [
        {"chat_id": 1, "text": "<b>hi</b> &amp; bye", "parse_mode": "html"},
        {"text": "a < b & c > d"},  # not HTML: sent as it is
        {"text": "*bold*", "parse_mode": "MarkdownV2", "reply_markup": None},
        {"text": "x", "reply_markup": keyboard({"text": "N", "callback_data": "n", "url": None})},
        {"text": "x", "reply_markup": keyboard({"text": "S", "url": URL})},
        {"text": "x", "reply_markup": '{"inline_keyboard": [[{"text": "a", "pay": true}]]}'},
        {"text": "x", "reply_markup": {"remove_keyboard": True}},
        {"text": "x", "reply_markup": InlineKeyboardMarkup([[InlineKeyboardButton("a", url=URL)]])},
    ],
)
def test_accepts_message(params: dict[str, Any]) -> None:
    check_message(params)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"parse_mode": "HTML"}, "no 'text'"),
        ({"text": None}, "must be a str"),
        ({"text": "a & b", "parse_mode": "HTML"}, "bare '&'"),
        ({"text": " "}, "empty"),
        ({"text": "x" * 4097}, "too long"),
        ({"text": "x", "reply_markup": "not json"}, "not valid JSON"),
        ({"text": "x", "reply_markup": [1]}, "must be an object"),
        ({"text": "x", "reply_markup": {"inline_keyboard": [{}]}}, "list of lists"),
        ({"text": "x", "reply_markup": {"inline_keyboard": [["b"]]}}, "must be an object"),
        ({"text": "x", "reply_markup": keyboard({"text": " ", "callback_data": "a"})}, "text"),
        ({"text": "x", "reply_markup": keyboard({"text": "b"})}, "exactly one action"),
        ({"text": "x", "reply_markup": keyboard({"text": "b", "pay": 1, "url": URL})}, "one"),
        ({"text": "x", "reply_markup": keyboard({"text": "b", "url": " "})}, "empty url"),
        (
            {"text": "x", "reply_markup": keyboard({"text": "ok"}, {"text": "bad", "url": URL})},
            "inline_keyboard[0][0] ('ok')",
        ),
        (
            {
                "text": "x",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton("N", callback_data="n" * 65)]]
                ),
            },
            "('N'): callback_data must be 1-64 bytes in UTF-8, got 65",
        ),
    ],
)
def test_rejects_message(params: dict[str, Any], problem: str) -> None:
    with pytest.raises(TelegramHTMLError) as info:
        check_message(params)
    assert problem in str(info.value)


non_blank = st.text(max_size=200).filter(str.strip)


@given(non_blank, st.booleans())
def test_escaped_text_is_accepted_as_itself(text: str, quote: bool) -> None:
    assert check_html(html.escape(text, quote=quote)) == text
    check_message({"text": html.escape(text), "parse_mode": "HTML"})


@given(st.text(max_size=50), st.sampled_from("<>&"), st.text(max_size=50))
def test_a_bare_special_character_is_rejected_at_its_position(
    before: str, char: str, after: str
) -> None:
    escaped_after = html.escape(after)
    assume(char != "&" or escaped_after[:1] not in [*string.ascii_letters, "#"])
    assume(char != "<" or escaped_after[:1] not in [*string.ascii_letters, "/", "!", "?"])
    with pytest.raises(TelegramHTMLError) as info:
        check_html(html.escape(before) + char + escaped_after)
    assert info.value.position == len(html.escape(before))


@given(st.characters(min_codepoint=1, exclude_categories=["Cs"]))
def test_numeric_entities_decode_any_character(char: str) -> None:
    for entity in (f"&#{ord(char)};", f"&#x{ord(char):x};", f"&#X{ord(char):X};"):
        assert check_html("x" + entity) == "x" + char


def _wrap(tag: str, children: list[tuple[str, str]]) -> tuple[str, str]:
    opening = '<span class="tg-spoiler">' if tag == "span" else f"<{tag}>"
    inner = "".join(h for h, _ in children), "".join(v for _, v in children)
    return f"{opening}{inner[0]}</{tag}>", inner[1]


_leaf = st.text(max_size=20).map(lambda s: (html.escape(s), s))
formatted = st.recursive(
    _leaf | st.text(max_size=10).map(lambda s: (f"<code>{html.escape(s)}</code>", s)),
    lambda kids: st.builds(
        _wrap, st.sampled_from([*FORMATTING, "span"]), st.lists(kids, max_size=3)
    ),
    max_leaves=12,
)


@given(formatted, st.sampled_from(FORMATTING))
def test_nesting_is_accepted_and_unbalanced_tags_are_not(pair: tuple[str, str], tag: str) -> None:
    text, visible = pair
    assume(visible.strip())
    assert check_html(text) == visible
    spoiler = '<span class="tg-spoiler">'
    for broken in (f"<{tag}>{text}", f"{text}</{tag}>", f"<{tag}>{spoiler}{text}</{tag}></span>"):
        with pytest.raises(TelegramHTMLError, match=r"unclosed|without an opening|not match"):
            check_html(broken)


@given(st.text(alphabet="<>&;#x/=\"' abiprecodelt-!?", max_size=40) | st.text(max_size=40))
def test_never_crashes_and_accepted_text_round_trips(text: str) -> None:
    try:
        visible = check_html(text)
    except TelegramHTMLError:
        return
    assert check_html(html.escape(visible)) == visible
