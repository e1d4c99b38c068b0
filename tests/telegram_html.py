"""A strict checker for messages as the Telegram Bot API accepts them with ``parse_mode=HTML``.

Telegram's own parser is lenient in places (it leaves a bare ``&`` alone, accepts unquoted
attribute values, upper-case tag names, and ignores unknown attributes). This checker is
deliberately stricter: whatever it accepts, Telegram accepts too, and every ``<``, ``>`` and
``&`` of user or article text must be escaped.

Public API:

* :class:`TelegramHTMLError` - raised for every problem, with the position in the input.
* :func:`check_html` - validate HTML text, return the visible text.
* :func:`visible_length` - length of a string in UTF-16 code units, as Telegram counts it.
* :func:`check_callback_data` - 1-64 bytes of UTF-8.
* :func:`check_message` - check the parameters of a sendMessage / editMessageText call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MESSAGE_LIMIT = 4096
CALLBACK_DATA_MAX_BYTES = 64

#: Tags that take no attributes at all.
_PLAIN_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre"}
)
ALLOWED_TAGS = _PLAIN_TAGS | {"span", "a", "tg-emoji", "code", "blockquote"}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:.-]*")
_SPACES = re.compile(r"[ \t\n\r\f]+")
_CLOSING_TAG = re.compile(r"</(?P<name>[A-Za-z][A-Za-z0-9-]*)[ \t\n\r\f]*>")
_ENTITY = re.compile(
    r"&(?:(?P<named>[A-Za-z][A-Za-z0-9]*)|#(?P<dec>[0-9]+)|#[xX](?P<hex>[0-9A-Fa-f]+));"
)
_TEXT_SPECIAL = re.compile(r"[<>&]")
_ATTR_SPECIAL = re.compile(r"[<&]")
_LANGUAGE_CLASS = re.compile(r"language-(?P<lang>\S+)")
_ESCAPE_HINT = "; if it is text, escape '<' as &lt;"

#: Fields of an InlineKeyboardButton of which exactly one must be set.
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class TelegramHTMLError(ValueError):
    """A message Telegram would reject (or that breaks the project's stricter rules).

    ``reason`` is the bare problem, ``position`` the index into the checked string (or None).
    """

    def __init__(self, reason: str, position: int | None = None, source: str | None = None):
        self.reason = reason
        self.position = position
        message = reason
        if position is not None:
            message += f" at position {position}"
            if source is not None:
                message += f" (near {source[max(0, position - 20) : position + 20]!r})"
        super().__init__(message)


@dataclass(frozen=True)
class _OpenTag:
    name: str
    position: int
    visible_start: int  # length of the visible text when the tag was opened


def visible_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (characters outside the BMP count 2).

    ``text`` is taken as it is: for an HTML message pass the result of :func:`check_html`.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def check_callback_data(data: str) -> None:
    """Raise TelegramHTMLError unless ``data`` is 1-64 bytes in UTF-8."""
    if not isinstance(data, str):
        raise TelegramHTMLError(f"callback_data must be a str, not {type(data).__name__}")
    try:
        size = len(data.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise TelegramHTMLError("callback_data contains a lone surrogate", exc.start) from None
    if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
        raise TelegramHTMLError(
            f"callback_data must be 1-{CALLBACK_DATA_MAX_BYTES} bytes in UTF-8, "
            f"got {size}: {data!r}"
        )


def check_html(text: str, *, limit: int = MESSAGE_LIMIT) -> str:
    """Raise TelegramHTMLError unless ``text`` is valid Telegram HTML; return its visible text."""
    if not isinstance(text, str):
        raise TelegramHTMLError(f"text must be a str, not {type(text).__name__}")
    _check_encodable(text)
    return _HTMLChecker(text).run(limit)


def check_message(params: Mapping[str, Any]) -> None:
    """Check the parameters of a sendMessage / editMessageText call.

    The text is checked by :func:`check_html` when ``parse_mode`` is HTML (in any case),
    otherwise only for being non-empty and within the length limit. Every inline keyboard
    button must have a non-empty ``text``, exactly one action field (``callback_data``,
    ``url``, ``switch_inline_query*``, ...), and a valid ``callback_data`` if it has one.
    """
    if "text" not in params:
        raise TelegramHTMLError("message parameters have no 'text'")
    text = params["text"]
    if not isinstance(text, str):
        raise TelegramHTMLError(f"text must be a str, not {type(text).__name__}")
    parse_mode = params.get("parse_mode")
    if parse_mode is not None and str(parse_mode).upper() == "HTML":
        check_html(text)
    else:
        _check_encodable(text)
        _check_visible(text, MESSAGE_LIMIT)
    markup = params.get("reply_markup")
    if markup is not None:
        _check_reply_markup(markup)


# --- HTML ------------------------------------------------------------------------------------


def _check_encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TelegramHTMLError("text contains a lone surrogate", exc.start) from None


def _check_visible(visible: str, limit: int) -> None:
    if not visible.strip():
        raise TelegramHTMLError("message text is empty (only whitespace after parsing)")
    length = visible_length(visible)
    if length > limit:
        raise TelegramHTMLError(
            f"message text is too long: {length} UTF-16 code units, limit {limit}"
        )


class _HTMLChecker:
    """One pass over an HTML string, keeping a stack of open tags."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.visible_len = 0  # in code points, for tracking the content of tags
        self.stack: list[_OpenTag] = []

    def error(self, reason: str, position: int) -> TelegramHTMLError:
        return TelegramHTMLError(reason, position, self.source)

    def emit(self, visible: str) -> None:
        self.parts.append(visible)
        self.visible_len += len(visible)

    def run(self, limit: int) -> str:
        source = self.source
        pos = 0
        while True:
            match = _TEXT_SPECIAL.search(source, pos)
            end = match.start() if match else len(source)
            self.emit(source[pos:end])
            if match is None:
                break
            char = match.group()
            if char == "&":
                decoded, pos = self.read_entity(end)
                self.emit(decoded)
            elif char == ">":
                raise self.error("unescaped '>' in text; escape it as &gt;", end)
            elif source.startswith("</", end):
                pos = self.read_closing_tag(end)
            else:
                pos = self.read_opening_tag(end)
        if self.stack:
            tag = self.stack[-1]
            raise self.error(f"unclosed tag <{tag.name}>", tag.position)
        visible = "".join(self.parts)
        _check_visible(visible, limit)
        return visible

    def read_entity(self, pos: int) -> tuple[str, int]:
        """Decode the entity at ``source[pos] == '&'``; return it and the position after it."""
        match = _ENTITY.match(self.source, pos)
        if match is None:
            raise self.error("bare '&' that does not start an entity; escape it as &amp;", pos)
        named, dec, hexa = match.group("named", "dec", "hex")
        if named is not None:
            if named not in _NAMED_ENTITIES:
                raise self.error(
                    f"unsupported named entity &{named}; (only &lt; &gt; &amp; &quot;)", pos
                )
            return _NAMED_ENTITIES[named], match.end()
        digits, base = (dec, 10) if dec is not None else (hexa, 16)
        # Longer strings of digits (after leading zeros) cannot be a code point <= 0x10FFFF.
        code = int(digits, base) if len(digits.lstrip("0")) <= 8 else -1
        if not (0 < code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
            raise self.error(f"numeric entity {match.group()} is not a valid code point", pos)
        return chr(code), match.end()

    def read_attribute_value(self, start: int, end: int) -> str:
        """Decode the quoted attribute value ``source[start:end]``."""
        parts: list[str] = []
        pos = start
        while True:
            match = _ATTR_SPECIAL.search(self.source, pos, end)
            stop = match.start() if match else end
            parts.append(self.source[pos:stop])
            if match is None:
                return "".join(parts)
            if match.group() == "<":
                raise self.error("'<' in an attribute value; escape it as &lt;", stop)
            decoded, pos = self.read_entity(stop)
            parts.append(decoded)

    def read_tag_name(self, tag_pos: int, name_pos: int) -> tuple[str, int]:
        """Read and validate the name at ``name_pos`` of the tag starting at ``tag_pos``."""
        match = _TAG_NAME.match(self.source, name_pos)
        if match is None:
            raise self.error("'<' does not start a valid tag; escape it as &lt;", tag_pos)
        name = match.group()
        if name != name.lower():
            raise self.error(f"tag names must be lower-case: <{name}>", tag_pos)
        if name not in ALLOWED_TAGS:
            raise self.error(f"unsupported tag <{name}>{_ESCAPE_HINT}", tag_pos)
        return name, match.end()

    def read_closing_tag(self, pos: int) -> int:
        name, _ = self.read_tag_name(pos, pos + 2)
        match = _CLOSING_TAG.match(self.source, pos)
        if match is None:
            raise self.error(f"malformed closing tag </{name}", pos)
        if not self.stack:
            raise self.error(f"closing tag </{name}> without an opening tag", pos)
        top = self.stack.pop()
        if top.name != name:
            raise self.error(
                f"closing tag </{name}> does not match the open <{top.name}> "
                f"(opened at position {top.position})",
                pos,
            )
        if name == "tg-emoji" and not "".join(self.parts)[top.visible_start :].strip():
            raise self.error("<tg-emoji> must contain an emoji", top.position)
        return match.end()

    def skip_spaces(self, pos: int) -> int:
        match = _SPACES.match(self.source, pos)
        return match.end() if match else pos

    def read_opening_tag(self, pos: int) -> int:
        source = self.source
        name, i = self.read_tag_name(pos, pos + 1)
        attrs: dict[str, str | None] = {}
        while True:
            after_space = self.skip_spaces(i)
            had_space, i = after_space > i, after_space
            if i >= len(source):
                raise self.error(f"unterminated tag <{name}{_ESCAPE_HINT}", pos)
            char = source[i]
            if char == ">":
                i += 1
                break
            if char == "/":
                raise self.error(f"self-closing tags are not supported: <{name}/>", pos)
            attr = _ATTR_NAME.match(source, i)
            if attr is None or not had_space:
                raise self.error(f"unexpected {char!r} in tag <{name}>{_ESCAPE_HINT}", i)
            attr_name, i = attr.group(), attr.end()
            if attr_name != attr_name.lower():
                raise self.error(f"attribute names must be lower-case: {attr_name!r}", attr.start())
            if attr_name in attrs:
                raise self.error(f"duplicate attribute {attr_name!r} in <{name}>", attr.start())
            j = self.skip_spaces(i)
            if j >= len(source) or source[j] != "=":
                attrs[attr_name] = None
                continue
            j = self.skip_spaces(j + 1)
            quote = source[j] if j < len(source) else ""
            if quote not in ('"', "'"):
                raise self.error(f"value of attribute {attr_name!r} must be quoted", j)
            close = source.find(quote, j + 1)
            if close == -1:
                raise self.error(f"unterminated value of attribute {attr_name!r}", j)
            attrs[attr_name] = self.read_attribute_value(j + 1, close)
            i = close + 1
        self.check_nesting(name, pos)
        self.check_attributes(name, attrs, pos)
        self.stack.append(_OpenTag(name, pos, self.visible_len))
        return i

    def check_nesting(self, name: str, pos: int) -> None:
        open_names = {tag.name for tag in self.stack}
        parent = self.stack[-1].name if self.stack else None
        if "code" in open_names:
            raise self.error(f"<code> must not contain other tags, found <{name}>", pos)
        if "pre" in open_names and not (name == "code" and parent == "pre"):
            raise self.error(f"<pre> may only contain <code> directly, found <{name}>", pos)
        if "tg-emoji" in open_names:
            raise self.error(f"<tg-emoji> must not contain other tags, found <{name}>", pos)
        if name == "blockquote" and "blockquote" in open_names:
            raise self.error("<blockquote> must not be nested in another <blockquote>", pos)
        if name == "a" and "a" in open_names:
            raise self.error("<a> must not be nested in another <a>", pos)

    def check_attributes(self, name: str, attrs: dict[str, str | None], pos: int) -> None:
        def only(*allowed: str) -> None:
            for attr in attrs:
                if attr not in allowed:
                    raise self.error(f"attribute {attr!r} is not allowed on <{name}>", pos)

        def required(attr: str) -> str:
            value = attrs.get(attr)
            if value is None:
                raise self.error(f'<{name}> needs {attr}="..."', pos)
            return value

        if name in _PLAIN_TAGS:
            only()
        elif name == "a":
            only("href")
            if not required("href").strip():
                raise self.error("<a> has an empty href", pos)
        elif name == "span":
            only("class")
            if required("class") != "tg-spoiler":
                raise self.error('<span> is only allowed as <span class="tg-spoiler">', pos)
        elif name == "tg-emoji":
            only("emoji-id")
            emoji_id = required("emoji-id")
            if not (emoji_id.isascii() and emoji_id.isdigit()):
                raise self.error(f"emoji-id must be a decimal number, got {emoji_id!r}", pos)
        elif name == "code":
            only("class")
            if "class" in attrs:
                in_pre = bool(self.stack) and self.stack[-1].name == "pre"
                if not in_pre:
                    raise self.error("<code class=...> is only allowed directly in <pre>", pos)
                if _LANGUAGE_CLASS.fullmatch(required("class")) is None:
                    raise self.error('<code> class must be "language-<name>"', pos)
        elif name == "blockquote":
            only("expandable")
            if attrs.get("expandable") is not None:
                raise self.error("expandable is a bare attribute: <blockquote expandable>", pos)


# --- reply markup ----------------------------------------------------------------------------


def _check_reply_markup(markup: object) -> None:
    to_dict = getattr(markup, "to_dict", None)
    if callable(to_dict):  # a python-telegram-bot object
        markup = to_dict()
    if isinstance(markup, str | bytes):
        try:
            markup = json.loads(markup)
        except ValueError as exc:
            raise TelegramHTMLError(f"reply_markup is not valid JSON: {exc}") from None
    if not isinstance(markup, Mapping):
        raise TelegramHTMLError(f"reply_markup must be an object, not {type(markup).__name__}")
    if "inline_keyboard" not in markup:
        return
    keyboard = markup["inline_keyboard"]
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise TelegramHTMLError("inline_keyboard must be a list of lists of buttons")
    for r, row in enumerate(keyboard):
        for c, button in enumerate(row):
            _check_button(button, f"inline_keyboard[{r}][{c}]")


def _check_button(button: object, where: str) -> None:
    if not isinstance(button, Mapping):
        raise TelegramHTMLError(f"{where} must be an object, not {type(button).__name__}")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise TelegramHTMLError(f"{where} needs a non-empty text, got {text!r}")
    actions = [key for key in BUTTON_ACTIONS if button.get(key) is not None]
    if len(actions) != 1:
        raise TelegramHTMLError(
            f"{where} ({text!r}) must have exactly one of {', '.join(BUTTON_ACTIONS)}; "
            f"has {actions or 'none'}"
        )
    if "callback_data" in actions:
        try:
            check_callback_data(button["callback_data"])
        except TelegramHTMLError as exc:
            raise TelegramHTMLError(f"{where} ({text!r}): {exc}") from None
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not url.strip():
            raise TelegramHTMLError(f"{where} ({text!r}) has an empty or invalid url: {url!r}")
