"""A strict checker of what the Telegram Bot API accepts with ``parse_mode=HTML``.

Telegram's own parser is lenient in places (a bare ``&``, unquoted attribute values, upper-case
tags); this one is stricter, so that whatever it accepts Telegram accepts too, and every ``<``,
``>`` and ``&`` of text must be escaped. The standard library's ``html.parser`` splits the text
into tokens; the raw text of each token is checked here, and every character of the input must
belong to a checked token. Independent of the product: nothing from ``bot`` or ``index``.

:func:`check_html` returns the visible text, :func:`parse_html` also the message entities
(offsets in UTF-16 code units), :func:`check_message` checks sendMessage/editMessageText
parameters, :func:`check_callback_data` one ``callback_data``. Problems raise
:class:`TelegramHTMLError` (a ``ValueError``) with the position in the input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

MESSAGE_LIMIT = 4096
CALLBACK_DATA_MAX_BYTES = 64
JSONDict = dict[str, Any]

#: Telegram's tags, and the message entity each one makes.
ENTITY_TYPES = {
    **dict.fromkeys(["b", "strong"], "bold"),
    **dict.fromkeys(["i", "em"], "italic"),
    **dict.fromkeys(["u", "ins"], "underline"),
    **dict.fromkeys(["s", "strike", "del"], "strikethrough"),
    **dict.fromkeys(["tg-spoiler", "span"], "spoiler"),
    **{"a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote"},
    "tg-emoji": "custom_emoji",
}
#: The only tags with an attribute, one each.
ATTRIBUTES = {"a": "href", "span": "class", "tg-emoji": "emoji-id", "code": "class"}
ATTRIBUTES |= {"blockquote": "expandable"}
BUTTON_ACTIONS = (
    *("url", "callback_data", "web_app", "login_url", "switch_inline_query"),
    *("switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text"),
    *("callback_game", "pay"),
)
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME = re.compile(r"<([^\s/>]+)")
_START_TAG = re.compile(r"""<[^\s/>]+((?:\s+[^\s"'=<>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*)\s*>""")
_ATTRIBUTE = re.compile(r"""\s+([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?""")
_END_TAG = re.compile(r"</([^\s>]*)\s*>")
_REFERENCE = re.compile(r"&(#?[0-9A-Za-z]*);?")
_UNESCAPED = {"<": "unescaped '<'; escape it as &lt;", ">": "unescaped '>'; escape it as &gt;"}
_BARE_AMP = "bare '&' that does not start an entity; escape it as &amp;"


class TelegramHTMLError(ValueError):
    """A message Telegram would reject, or that breaks this checker's stricter rules."""

    def __init__(self, reason: str, position: int | None = None, source: str = "") -> None:
        self.reason, self.position = reason, position
        message = reason
        if position is not None:
            message += f" at position {position}"
            if source:
                message += f" (near {source[max(0, position - 20) : position + 20]!r})"
        super().__init__(message)


class _Parser(HTMLParser):
    """Checks each token html.parser finds; collects the visible text and the entities."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.lines = [0, *(m.end() for m in re.finditer("\n", source))]
        self.checked = 0  # the source is checked up to here
        self.text: list[str] = []
        self.length = 0  # of the visible text, in UTF-16 code units
        self.open: list[tuple[str, int, JSONDict, int]] = []  # tag, position, entity, len(text)
        self.entities: list[JSONDict] = []

    def fail(self, reason: str, position: int) -> TelegramHTMLError:
        """The error to raise for ``reason`` at ``position``."""
        return TelegramHTMLError(reason, position, self.source)

    def here(self) -> int:
        """Where the current token starts; nothing before it may have been skipped."""
        line, column = self.getpos()
        position = self.lines[line - 1] + column
        if position != self.checked:  # html.parser skipped something (a '&' at the end)
            raise self.skipped()
        return position

    def skipped(self) -> TelegramHTMLError:
        """The error for a character that is not part of any token checked."""
        char = self.source[self.checked]
        reason = _BARE_AMP if char == "&" else _UNESCAPED.get(char, f"unexpected {char!r}")
        return self.fail(reason, self.checked)

    def emit(self, text: str, end: int) -> None:
        """Add visible text; the source is checked up to ``end``."""
        self.text.append(text)
        self.length += visible_length(text)
        self.checked = end

    def handle_data(self, data: str) -> None:
        at = self.here()
        if bad := re.search("[<>&]", data):
            raise self.fail(_UNESCAPED.get(bad.group(), _BARE_AMP), at + bad.start())
        self.emit(data, at + len(data))

    def handle_entityref(self, name: str) -> None:
        at = self.here()
        self.emit(self.reference(name, at), at + len(name) + 2)

    def handle_charref(self, name: str) -> None:
        at = self.here()
        self.emit(self.reference("#" + name, at), at + len(name) + 3)

    def reference(self, ref: str, at: int) -> str:
        """The character of the entity ``&ref;`` at ``at``."""
        if not ref or not self.source.startswith(f"&{ref};", at):
            raise self.fail(_BARE_AMP, at)
        if not ref.startswith("#"):
            if ref not in _NAMED:
                raise self.fail(
                    f"unsupported named entity &{ref}; (only &lt; &gt; &amp; &quot;)", at
                )
            return _NAMED[ref]
        hexa = ref[1] in "xX"
        digits = ref[2:] if hexa else ref[1:]
        code = int(digits, 16 if hexa else 10) if len(digits.lstrip("0")) <= 8 else -1
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.fail(f"numeric entity &{ref}; is not a valid code point", at)
        return chr(code)

    def tag_name(self, name: str, at: int) -> str:
        """``name`` of a tag at ``at``, if lower-case and one of Telegram's."""
        if name != name.lower():
            raise self.fail(f"tag names must be lower-case: <{name}>", at)
        if name not in ENTITY_TYPES:
            raise self.fail(f"unsupported tag <{name}>; if it is text, escape '<' as &lt;", at)
        return name

    def start_tag(self) -> tuple[int, str, str]:
        """Position, raw text and (checked) name of the start tag being handled."""
        at, raw = self.here(), self.get_starttag_text() or ""
        match = _NAME.match(raw)
        return at, raw, self.tag_name(match.group(1) if match else raw, at)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        at, _, name = self.start_tag()
        raise self.fail(f"self-closing tags are not supported: <{name}/>", at)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        at, raw, name = self.start_tag()
        match = _START_TAG.fullmatch(raw)
        if match is None:
            reason = "attribute values must be quoted and attributes separated by spaces"
            raise self.fail(f"malformed tag <{name}>: {reason}", at)
        values: dict[str, str | None] = {}
        offset = at + match.start(1)
        for attr in _ATTRIBUTE.finditer(match.group(1)):
            key, value = attr.group(1), attr.group(2) or attr.group(3)
            if key != ATTRIBUTES.get(name):
                raise self.fail(f"attribute {key!r} is not allowed on <{name}>", at)
            if key in values:
                raise self.fail(f"duplicate attribute {key!r} in <{name}>", at)
            if value is not None:
                start = offset + attr.start(2 if attr.group(2) is not None else 3)
                value = self.attribute_value(value, start)
            values[key] = value
        self.check_nesting(name, at)
        self.open.append((name, at, self.entity(name, values, at), len(self.text)))
        self.checked = at + len(raw)

    def attribute_value(self, raw: str, at: int) -> str:
        """Decode the attribute value ``raw``, which starts at ``at``."""
        if "<" in raw:
            raise self.fail("'<' in an attribute value; escape it as &lt;", at + raw.index("<"))
        return _REFERENCE.sub(lambda m: self.reference(m.group(1), at + m.start()), raw)

    def check_nesting(self, name: str, at: int) -> None:
        """Raise unless a ``<name>`` may open inside the tags open now."""
        inside = {tag for tag, *_ in self.open}
        parent = self.open[-1][0] if self.open else None
        for outer in ("code", "tg-emoji"):
            if outer in inside:
                raise self.fail(f"<{outer}> must not contain other tags, found <{name}>", at)
        if "pre" in inside and not (name == "code" and parent == "pre"):
            raise self.fail(f"<pre> may only contain <code> directly, found <{name}>", at)
        if name in ("a", "blockquote") and name in inside:
            raise self.fail(f"<{name}> must not be nested in another <{name}>", at)

    def entity(self, name: str, values: dict[str, str | None], at: int) -> JSONDict:
        """Check the attributes of ``<name>``; the message entity it opens."""
        entity: JSONDict = {"type": ENTITY_TYPES[name], "offset": self.length, "length": 0}
        attribute = ATTRIBUTES.get(name, "")
        value = values.get(attribute)
        if name in ("a", "span", "tg-emoji") and value is None:
            raise self.fail(f'<{name}> needs {attribute}="..."', at)
        if name == "a" and value is not None:
            if not value.strip():
                raise self.fail("<a> has an empty href", at)
            entity["url"] = value
        elif name == "span" and value != "tg-spoiler":
            raise self.fail('<span> is only allowed as <span class="tg-spoiler">', at)
        elif name == "tg-emoji" and value is not None:
            if not (value.isascii() and value.isdigit()):
                raise self.fail(f"emoji-id must be a decimal number, got {value!r}", at)
            entity["custom_emoji_id"] = value
        elif name == "blockquote" and attribute in values:
            if value is not None:
                raise self.fail("expandable is a bare attribute: <blockquote expandable>", at)
            entity["type"] = "expandable_blockquote"
        elif name == "code" and self.open and self.open[-1][0] == "pre":
            if value is not None:
                if not re.fullmatch(r"language-\S+", value):
                    raise self.fail('<code> class must be "language-<name>"', at)
                self.open[-1][2]["language"] = value.removeprefix("language-")
            return {}  # <pre><code> makes one pre entity
        elif name == "code" and value is not None:
            raise self.fail("<code class=...> is only allowed directly in <pre>", at)
        self.entities.append(entity)
        return entity

    def handle_endtag(self, tag: str) -> None:
        at = self.here()
        match = _END_TAG.match(self.source, at)
        name = self.tag_name(match.group(1) if match else tag, at)
        if match is None:
            raise self.fail(f"malformed closing tag </{name}", at)
        if not self.open:
            raise self.fail(f"closing tag </{name}> without an opening tag", at)
        top, opened, entity, mark = self.open.pop()
        if top != name:
            raise self.fail(
                f"closing tag </{name}> does not match the open <{top}> (at {opened})", at
            )
        if entity:
            entity["length"] = self.length - entity["offset"]
        if name == "tg-emoji" and not "".join(self.text[mark:]).strip():
            raise self.fail("<tg-emoji> must contain an emoji", opened)
        self.checked = match.end()

    def handle_comment(self, data: str) -> None:
        raise self.fail("'<' does not start a tag; escape it as &lt;", self.here())

    def run(self) -> tuple[str, list[JSONDict]]:
        """Parse the whole source; the visible text and the (non-empty) entities."""
        # Comments and declarations are never Telegram's: parse up to the first one.
        bad = re.search(r"<[!?]", self.source)
        end = bad.start() if bad else len(self.source)
        self.feed(self.source[:end])
        self.close()
        if self.checked != end:
            raise self.skipped()
        if bad:
            raise self.fail("'<' does not start a tag; escape it as &lt;", end)
        if self.open:
            name, at, *_ = self.open[-1]
            raise self.fail(f"unclosed tag <{name}>", at)
        return "".join(self.text), [e for e in self.entities if e["length"]]


def visible_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, as Telegram counts it (astral characters: 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _check_encodable(text: object, what: str = "text") -> str:
    """``text``, if it is a str that UTF-8 can encode."""
    if not isinstance(text, str):
        raise TelegramHTMLError(f"{what} must be a str, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise TelegramHTMLError(f"{what} contains a lone surrogate", exc.start) from None
    return text


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """The visible text of Telegram HTML and its message entities; raise if it is invalid."""
    return _Parser(_check_encodable(text)).run()


def check_visible(visible: str, limit: int = MESSAGE_LIMIT) -> None:
    """Raise unless the visible text of a message is non-blank and at most ``limit`` long."""
    if not visible.strip():
        raise TelegramHTMLError("message text is empty (only whitespace after parsing)")
    if (length := visible_length(visible)) > limit:
        raise TelegramHTMLError(f"message is too long: {length} UTF-16 code units, limit {limit}")


def check_html(text: str, *, limit: int = MESSAGE_LIMIT) -> str:
    """Raise TelegramHTMLError unless ``text`` is valid Telegram HTML; return its visible text."""
    visible, _ = parse_html(text)
    check_visible(visible, limit)
    return visible


def check_callback_data(data: str) -> None:
    """Raise TelegramHTMLError unless ``data`` is 1-64 bytes in UTF-8."""
    size = len(_check_encodable(data, "callback_data").encode("utf-8"))
    if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
        raise TelegramHTMLError(
            f"callback_data must be 1-{CALLBACK_DATA_MAX_BYTES} bytes in UTF-8, got {size}"
        )


def check_message(params: Mapping[str, Any]) -> None:
    """Check sendMessage/editMessageText parameters: the text (as HTML if ``parse_mode`` says
    so) and each inline button (a text, exactly one action, valid ``callback_data``)."""
    if "text" not in params:
        raise TelegramHTMLError("message parameters have no 'text'")
    if str(params.get("parse_mode")).upper() == "HTML":
        check_html(params["text"])
    else:
        check_visible(_check_encodable(params["text"]))
    markup: Any = params.get("reply_markup")
    if hasattr(markup, "to_dict"):  # a python-telegram-bot object
        markup = markup.to_dict()
    if isinstance(markup, str | bytes):
        try:
            markup = json.loads(markup)
        except ValueError as exc:
            raise TelegramHTMLError(f"reply_markup is not valid JSON: {exc}") from None
    if markup is None:
        return
    if not isinstance(markup, Mapping):
        raise TelegramHTMLError(f"reply_markup must be an object, not {type(markup).__name__}")
    keyboard = markup.get("inline_keyboard", [])
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise TelegramHTMLError("inline_keyboard must be a list of lists of buttons")
    for r, row in enumerate(keyboard):
        for c, button in enumerate(row):
            _check_button(button, f"inline_keyboard[{r}][{c}]")


def _check_button(button: object, where: str) -> None:
    """Raise unless ``button`` has a text and exactly one valid action."""
    if not isinstance(button, Mapping):
        raise TelegramHTMLError(f"{where} must be an object, not {type(button).__name__}")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise TelegramHTMLError(f"{where} needs a non-empty text, got {text!r}")
    actions = [key for key in BUTTON_ACTIONS if button.get(key) is not None]
    if len(actions) != 1:
        raise TelegramHTMLError(f"{where} ({text!r}) must have exactly one action, has {actions}")
    try:
        if actions == ["callback_data"]:
            check_callback_data(button["callback_data"])
        if actions == ["url"] and not str(button["url"]).strip():
            raise TelegramHTMLError("empty url")
    except TelegramHTMLError as exc:
        raise TelegramHTMLError(f"{where} ({text!r}): {exc}") from None
