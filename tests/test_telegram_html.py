"""Tests of the strict Telegram HTML checker in ``telegram_html.py``."""

from __future__ import annotations

import html
import json
import string
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram_html import (
    TelegramHTMLError,
    check_callback_data,
    check_html,
    check_message,
    visible_length,
)

FORMATTING_TAGS = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler"]

# --- accepted --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("plain text", "plain text"),
        ("記事の引用です。", "記事の引用です。"),
        ("line one\nline two\n", "line one\nline two\n"),
        *[(f"<{tag}>x</{tag}>", "x") for tag in FORMATTING_TAGS],
        ('<span class="tg-spoiler">secret</span>', "secret"),
        ("<span class='tg-spoiler'>secret</span>", "secret"),
        ('<a href="https://example.com/">link</a>', "link"),
        ("<a href='https://example.com/'>link</a>", "link"),
        ('<a href="https://example.com/?a=1&amp;b=2">q</a>', "q"),
        ('<a href="tg://user?id=123">user</a>', "user"),
        ('<a  href = "https://example.com/"  >spaced</a >', "spaced"),
        ('<a href="https://example.com/?x=a>b">gt in value</a>', "gt in value"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("<code>x = 1</code>", "x = 1"),
        ("<pre>block</pre>", "block"),
        ("<pre><code>block</code></pre>", "block"),
        ('<pre><code class="language-python">print(1 &lt; 2)</code></pre>', "print(1 < 2)"),
        ("<blockquote>quote</blockquote>", "quote"),
        ("<blockquote expandable>long quote</blockquote>", "long quote"),
        ("<blockquote><b>bold</b> in a quote</blockquote>", "bold in a quote"),
        ("<b><i><u><s>deep</s></u></i></b>", "deep"),
        ("<b>bold <code>mono</code></b>", "bold mono"),
        ('<a href="https://example.com/"><b>bold link</b></a>', "bold link"),
        ("<b></b>empty tags are fine", "empty tags are fine"),
        ("&lt;tag&gt; &amp; &quot;quoted&quot;", '<tag> & "quoted"'),
        ("&#65;&#x42;&#X43;&#x1F600;&#0065;", "ABC😀A"),
        ("&#x27;single&#39;", "'single'"),
        (
            "'quotes' and \"double quotes\" need no escaping",
            "'quotes' and \"double quotes\" need no escaping",
        ),
        ("a; b # c = d / e", "a; b # c = d / e"),
    ],
)
def test_accepts_valid_html(text: str, visible: str) -> None:
    assert check_html(text) == visible


def test_limit_counts_utf16_code_units() -> None:
    assert check_html("a" * 4096) == "a" * 4096
    assert check_html("😀" * 2048) == "😀" * 2048  # 4096 UTF-16 code units
    # Tags and entities do not count, only the visible text.
    assert check_html("<b>" + "&amp;" * 4096 + "</b>") == "&" * 4096
    with pytest.raises(TelegramHTMLError, match="too long: 4097"):
        check_html("😀" * 2048 + "a")
    with pytest.raises(TelegramHTMLError, match="too long: 4097"):
        check_html("a" * 4097)


def test_custom_limit() -> None:
    assert check_html("abc", limit=3) == "abc"
    with pytest.raises(TelegramHTMLError, match="limit 2"):
        check_html("abc", limit=2)
    with pytest.raises(TelegramHTMLError, match="too long"):
        check_html("😀", limit=1)


# --- rejected --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # Unsupported tags and forms of tags.
        ("<div>x</div>", "unsupported tag <div>"),
        ("<p>x</p>", "unsupported tag <p>"),
        ("line<br>break", "unsupported tag <br>"),
        ("<br/>", "unsupported tag <br>"),
        ("<span>x</span>", 'needs class="..."'),
        ("<b/>x", "self-closing"),
        ("<B>x</B>", "lower-case"),
        ("<b>x</B>", "lower-case"),
        ('<a HREF="https://example.com/">x</a>', "lower-case"),
        ("<!-- comment -->x", "does not start a valid tag"),
        # Attributes.
        ('<b class="x">x</b>', "'class' is not allowed on <b>"),
        ("<pre expandable>x</pre>", "'expandable' is not allowed on <pre>"),
        ("<a>x</a>", 'needs href="..."'),
        ("<a href>x</a>", 'needs href="..."'),
        ('<a href="">x</a>', "empty href"),
        ('<a href="   ">x</a>', "empty href"),
        ('<a href="https://example.com/" title="t">x</a>', "'title' is not allowed on <a>"),
        ("<a href=https://example.com/>x</a>", "must be quoted"),
        ('<a href="https://example.com/>x</a>', "unterminated value"),
        ('<a href="x" href="y">x</a>', "duplicate attribute"),
        ('<a href="x"title="y">x</a>', "unexpected 't'"),
        ('<a href="?a=1&b=2">x</a>', "bare '&'"),
        ('<a href="?a=1&nbsp;">x</a>', "unsupported named entity &nbsp;"),
        ('<a href="<b>">x</a>', "'<' in an attribute value"),
        ('<span class="spoiler">x</span>', 'only allowed as <span class="tg-spoiler">'),
        ("<span class>x</span>", 'needs class="..."'),
        ("<tg-emoji>👍</tg-emoji>", 'needs emoji-id="..."'),
        ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "emoji-id must be a decimal number"),
        ('<tg-emoji emoji-id="">👍</tg-emoji>', "emoji-id must be a decimal number"),
        ('<tg-emoji emoji-id="1"></tg-emoji>x', "must contain an emoji"),
        ('<code class="language-python">x</code>', "only allowed directly in <pre>"),
        ('<pre><code class="python">x</code></pre>', 'must be "language-<name>"'),
        ('<pre><code class="language-">x</code></pre>', 'must be "language-<name>"'),
        ('<blockquote expandable="true">x</blockquote>', "bare attribute"),
        ("<blockquote expandable=''>x</blockquote>", "bare attribute"),
        # Nesting.
        ("<b><i>x</b></i>", "closing tag </b> does not match the open <i>"),
        ("<b>x", "unclosed tag <b>"),
        ("<b><i>x</i>", "unclosed tag <b>"),
        ("x</b>", "closing tag </b> without an opening tag"),
        ("<b>x</b></b>", "closing tag </b> without an opening tag"),
        ("<b>x</i></b>", "does not match"),
        ("<b>x</b", "malformed closing tag"),
        ("<b>x</b x>", "malformed closing tag"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "must not be nested"),
        ("<blockquote><b><blockquote>x</blockquote></b></blockquote>", "must not be nested"),
        ('<a href="x"><a href="y">x</a></a>', "must not be nested"),
        ("<code><b>x</b></code>", "<code> must not contain other tags"),
        ("<code><code>x</code></code>", "<code> must not contain other tags"),
        ("<pre><b>x</b></pre>", "<pre> may only contain <code>"),
        ("<pre><pre>x</pre></pre>", "<pre> may only contain <code>"),
        ("<pre><code><b>x</b></code></pre>", "<code> must not contain other tags"),
        ('<tg-emoji emoji-id="1"><b>👍</b></tg-emoji>', "<tg-emoji> must not contain"),
        # Escaping of text.
        ("a < b", "does not start a valid tag"),
        ("I <3 you", "does not start a valid tag"),
        ("ends with <", "does not start a valid tag"),
        ("<<b>x</b>", "does not start a valid tag"),
        ("x <y", "unsupported tag <y>"),
        ("x <b", "unterminated tag <b"),
        ("a > b", "unescaped '>'"),
        ("-->", "unescaped '>'"),
        ("Q&A", "bare '&'"),
        ("a & b", "bare '&'"),
        ("&lt", "bare '&'"),
        ("&#;", "bare '&'"),
        ("&#x;", "bare '&'"),
        ("&#12a;", "bare '&'"),
        ("&nbsp;", "unsupported named entity &nbsp;"),
        ("&apos;", "unsupported named entity &apos;"),
        ("&LT;", "unsupported named entity &LT;"),
        ("&copy;", "unsupported named entity &copy;"),
        ("&#0;", "not a valid code point"),
        ("&#xD800;", "not a valid code point"),
        ("&#xDFFF;", "not a valid code point"),
        ("&#x110000;", "not a valid code point"),
        ("&#1114112;", "not a valid code point"),
        ("&#99999999999999999999999999;", "not a valid code point"),
        # Visible text.
        ("", "empty"),
        ("   \n\t", "empty"),
        ("<b> </b>", "empty"),
        ("<b></b>", "empty"),
        ("&#32;&#x0A;", "empty"),
        ("lone \ud800 surrogate", "lone surrogate"),
    ],
)
def test_rejects_invalid_html(text: str, problem: str) -> None:
    with pytest.raises(TelegramHTMLError) as info:
        check_html(text)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("a & b", 2),
        ("ab > c", 3),
        ("abc < d", 4),
        ("<b>x</i>", 4),
        ("x<b>y", 1),
        ("<b><i>x</i>", 0),
        ("</b>", 0),
        ('<b>x</b><a href="">y</a>', 8),
        ('<a href="x&y">z</a>', 10),
        ("xy&#0;", 2),
    ],
)
def test_error_position(text: str, position: int) -> None:
    with pytest.raises(TelegramHTMLError) as info:
        check_html(text)
    assert info.value.position == position
    assert f"at position {position}" in str(info.value)
    assert info.value.reason in str(info.value)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bare '&'"):
        check_html("a & b")


def test_non_string_is_rejected() -> None:
    with pytest.raises(TelegramHTMLError, match="must be a str"):
        check_html(b"bytes")  # type: ignore[arg-type]


# --- visible_length --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("", 0),
        ("abc", 3),
        ("日本語", 3),
        ("é", 1),
        ("😀", 2),
        ("👍🏽", 4),  # thumbs up + skin tone modifier, both outside the BMP
        ("a😀b", 4),
        ("𠮷野家", 4),  # U+20BB7 is outside the BMP
    ],
)
def test_visible_length(text: str, length: int) -> None:
    assert visible_length(text) == length


@given(st.text())
def test_visible_length_counts_astral_characters_twice(text: str) -> None:
    assert visible_length(text) == len(text) + sum(ord(c) > 0xFFFF for c in text)


# --- check_callback_data ---------------------------------------------------------------------


@pytest.mark.parametrize("data", ["a", "x" * 64, "é" * 32, "日" * 21, "😀" * 16, "q:12:page=3"])
def test_accepts_callback_data(data: str) -> None:
    check_callback_data(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("", "got 0"),
        ("x" * 65, "got 65"),
        ("é" * 33, "got 66"),
        ("日" * 22, "got 66"),
        ("😀" * 17, "got 68"),
        ("\ud800", "lone surrogate"),
    ],
)
def test_rejects_callback_data(data: str, problem: str) -> None:
    with pytest.raises(TelegramHTMLError, match=problem):
        check_callback_data(data)


def test_rejects_non_string_callback_data() -> None:
    with pytest.raises(TelegramHTMLError, match="must be a str"):
        check_callback_data(42)  # type: ignore[arg-type]


@given(st.text())
def test_callback_data_is_accepted_iff_1_to_64_utf8_bytes(data: str) -> None:
    size = len(data.encode("utf-8"))
    if 1 <= size <= 64:
        check_callback_data(data)
    else:
        with pytest.raises(TelegramHTMLError):
            check_callback_data(data)


# --- check_message ---------------------------------------------------------------------------


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


@pytest.mark.parametrize(
    "params",
    [
        {"text": "<b>hello</b> &amp; bye", "parse_mode": "HTML"},
        {"text": "<b>hello</b>", "parse_mode": "html"},
        {"chat_id": 1, "message_id": 2, "text": "edited", "parse_mode": "HTML"},
        # Without parse_mode the text is sent as is: tags and bare '&' are just characters.
        {"text": "a < b & c > d"},
        {"text": "a < b & c > d", "parse_mode": None},
        {"text": "*bold*", "parse_mode": "MarkdownV2"},
        {"text": "x" * 4096},
        {
            "text": "pick",
            "parse_mode": "HTML",
            "reply_markup": keyboard(
                {"text": "Next", "callback_data": "page:2"},
                {"text": "Source", "url": "https://example.com/"},
                {"text": "Share", "switch_inline_query": ""},
                {"text": "Here", "switch_inline_query_current_chat": "q"},
            ),
        },
        {
            "text": "json markup",
            "reply_markup": json.dumps(keyboard({"text": "Next", "callback_data": "n"})),
        },
        {"text": "bytes markup", "reply_markup": b'{"inline_keyboard": []}'},
        {"text": "no keyboard", "reply_markup": {"remove_keyboard": True}},
        {"text": "none markup", "reply_markup": None},
        {
            "text": "explicit none",
            "reply_markup": keyboard({"text": "a", "callback_data": "b", "url": None}),
        },
        {
            "text": "ptb object",
            "reply_markup": InlineKeyboardMarkup(
                [[InlineKeyboardButton("Next", callback_data="n")]]
            ),
        },
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
        ({"text": "<b>x", "parse_mode": "HTML"}, "unclosed tag"),
        ({"text": "   "}, "empty"),
        ({"text": ""}, "empty"),
        ({"text": "x" * 4097}, "too long"),
        ({"text": "<b>" + "x" * 4097 + "</b>", "parse_mode": "HTML"}, "too long"),
        ({"text": "x", "reply_markup": "not json"}, "not valid JSON"),
        ({"text": "x", "reply_markup": [1]}, "must be an object"),
        ({"text": "x", "reply_markup": {"inline_keyboard": {}}}, "list of lists"),
        ({"text": "x", "reply_markup": {"inline_keyboard": [{}]}}, "list of lists"),
        ({"text": "x", "reply_markup": {"inline_keyboard": [["b"]]}}, "must be an object"),
        ({"text": "x", "reply_markup": keyboard({"callback_data": "a"})}, "non-empty text"),
        (
            {"text": "x", "reply_markup": keyboard({"text": " ", "callback_data": "a"})},
            "non-empty text",
        ),
        ({"text": "x", "reply_markup": keyboard({"text": "b"})}, "exactly one of"),
        (
            {"text": "x", "reply_markup": keyboard({"text": "b", "callbackdata": "a"})},
            "exactly one of",
        ),
        (
            {
                "text": "x",
                "reply_markup": keyboard({"text": "b", "callback_data": "a", "url": "u"}),
            },
            "exactly one of",
        ),
        ({"text": "x", "reply_markup": keyboard({"text": "b", "callback_data": ""})}, "got 0"),
        (
            {"text": "x", "reply_markup": keyboard({"text": "b", "callback_data": "é" * 40})},
            "got 80",
        ),
        (
            {"text": "x", "reply_markup": keyboard({"text": "b", "callback_data": 7})},
            "must be a str",
        ),
        ({"text": "x", "reply_markup": keyboard({"text": "b", "url": ""})}, "empty or invalid url"),
        (
            {
                "text": "x",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Next", callback_data="n" * 65)]]
                ),
            },
            "got 65",
        ),
    ],
)
def test_rejects_message(params: dict[str, Any], problem: str) -> None:
    with pytest.raises(TelegramHTMLError) as info:
        check_message(params)
    assert problem in str(info.value)


def test_button_error_names_the_button() -> None:
    markup = {
        "inline_keyboard": [
            [{"text": "ok", "callback_data": "a"}],
            [{"text": "ok", "callback_data": "b"}, {"text": "bad", "callback_data": "x" * 65}],
        ]
    }
    with pytest.raises(TelegramHTMLError, match=r"inline_keyboard\[1\]\[1\] \('bad'\)"):
        check_message({"text": "x", "reply_markup": markup})


# --- properties ------------------------------------------------------------------------------

non_blank_text = st.text(max_size=200).filter(lambda s: s.strip() != "")


@given(non_blank_text, st.booleans())
def test_escaped_text_is_accepted_and_decodes_to_itself(text: str, quote: bool) -> None:
    assert check_html(html.escape(text, quote=quote)) == text


@given(non_blank_text)
def test_escaped_text_is_accepted_as_a_message(text: str) -> None:
    check_message({"text": html.escape(text), "parse_mode": "HTML"})


@given(st.text(max_size=50), st.text(max_size=50))
def test_bare_less_than_is_rejected(before: str, after: str) -> None:
    # The escaped parts contain no '>', so the '<' can never be completed into a tag.
    text = html.escape(before) + "<" + html.escape(after)
    with pytest.raises(TelegramHTMLError):
        check_html(text)


@given(st.text(max_size=50), st.text(max_size=50))
def test_bare_greater_than_is_rejected_at_its_position(before: str, after: str) -> None:
    escaped = html.escape(before)
    with pytest.raises(TelegramHTMLError, match="unescaped '>'") as info:
        check_html(escaped + ">" + html.escape(after))
    assert info.value.position == len(escaped)


@given(st.text(max_size=50), st.text(max_size=50))
def test_bare_ampersand_is_rejected_at_its_position(before: str, after: str) -> None:
    escaped_after = html.escape(after)
    # Only a letter or '#' can continue '&' into an entity.
    assume(not escaped_after[:1] or escaped_after[0] not in string.ascii_letters + "#")
    escaped = html.escape(before)
    with pytest.raises(TelegramHTMLError, match="bare '&'") as info:
        check_html(escaped + "&" + escaped_after)
    assert info.value.position == len(escaped)


@given(
    st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}", fullmatch=True).filter(
        lambda name: name not in {"lt", "gt", "amp", "quot"}
    )
)
def test_unsupported_named_entities_are_rejected(name: str) -> None:
    with pytest.raises(TelegramHTMLError, match="unsupported named entity"):
        check_html(f"x &{name}; y")


# &#0; and surrogates are rejected, see test_rejects_invalid_html.
@given(st.characters(min_codepoint=1, exclude_categories=["Cs"]))
def test_numeric_entities_decode_any_character(char: str) -> None:
    code = ord(char)
    for entity in (f"&#{code};", f"&#x{code:x};", f"&#X{code:X};", f"&#000{code};"):
        assert check_html("x" + entity) == "x" + char


@given(st.integers(min_value=0xD800, max_value=0xDFFF) | st.integers(min_value=0x110000))
def test_numeric_entities_of_invalid_code_points_are_rejected(code: int) -> None:
    for entity in (f"&#{code};", f"&#x{code:x};"):
        with pytest.raises(TelegramHTMLError, match="not a valid code point"):
            check_html("x" + entity)


def _wrap(tag: str, children: list[tuple[str, str]]) -> tuple[str, str]:
    inner_html = "".join(h for h, _ in children)
    inner_text = "".join(v for _, v in children)
    open_tag = '<span class="tg-spoiler">' if tag == "span" else f"<{tag}>"
    return f"{open_tag}{inner_html}</{tag}>", inner_text


_leaf = st.text(max_size=20).map(lambda s: (html.escape(s), s)) | st.text(max_size=10).map(
    lambda s: (f"<code>{html.escape(s)}</code>", s)
)
#: (html, visible text) pairs of freely nested formatting tags.
formatted = st.recursive(
    _leaf,
    lambda children: st.builds(
        _wrap, st.sampled_from([*FORMATTING_TAGS, "span"]), st.lists(children, max_size=3)
    ),
    max_leaves=12,
)


@given(formatted)
def test_nested_formatting_is_accepted(pair: tuple[str, str]) -> None:
    text, visible = pair
    assume(visible.strip())
    assert check_html(text) == visible


@given(formatted, st.sampled_from(FORMATTING_TAGS))
def test_unbalanced_tags_are_rejected(pair: tuple[str, str], tag: str) -> None:
    text, visible = pair
    assume(visible.strip())
    with pytest.raises(TelegramHTMLError, match="unclosed"):
        check_html(f"<{tag}>{text}")
    with pytest.raises(TelegramHTMLError, match="without an opening tag"):
        check_html(f"{text}</{tag}>")


@given(st.sampled_from(FORMATTING_TAGS), st.sampled_from(FORMATTING_TAGS), non_blank_text)
def test_crossed_tags_are_rejected(outer: str, inner: str, text: str) -> None:
    assume(outer != inner)
    body = html.escape(text)
    with pytest.raises(TelegramHTMLError, match="does not match"):
        check_html(f"<{outer}>{body}<{inner}>{body}</{outer}>{body}</{inner}>")


@given(st.text(alphabet="<>&;#x/=\"' abiprecodelt-", max_size=40) | st.text(max_size=40))
def test_never_crashes_and_accepted_text_round_trips(text: str) -> None:
    try:
        visible = check_html(text)
    except TelegramHTMLError:
        return
    # Whatever is accepted has no unescaped specials left, and escaping its visible text
    # gives a message with the same visible text.
    assert check_html(html.escape(visible)) == visible
    assert visible.strip()
