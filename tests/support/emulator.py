"""A fake Telegram Bot API for the end-to-end tests, and the driver that plays the users.

:class:`Emulator` serves, over real HTTP on 127.0.0.1 (``http.server`` in a thread), the Bot
API methods the bot uses, answering as Telegram does: ``ok``/``result`` envelopes, errors with
``error_code`` and ``description``, Messages whose ``text`` is the visible text and whose
``entities`` carry the formatting. It plays the users, records every request the bot makes,
and injects faults. Its state is read directly: the accessors need no refresh. See README.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import http.client
import itertools
import json
import math
import re
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import asdict, dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from tests.support.telegram_html import MESSAGE_LIMIT, TelegramHTMLError, parse_html, visible_length

if TYPE_CHECKING:
    from telegram.ext import Application

JSONDict = dict[str, Any]
T = TypeVar("T")
DEFAULT_TOKEN = "123456:TEST-emulator-token-0123456789abcdef"
BOT_USERNAME = "TestNameBot"
_STRING_PARAMS = frozenset({"text", "url", "secret_token", "callback_query_id", "inline_query_id"})
_ENTITY_RE = re.compile(
    r"(?<![\w/@])(?:(?P<command>/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)|@[A-Za-z0-9_]{3,32})"
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def detect_entities(text: str) -> list[JSONDict]:
    """The ``bot_command`` and ``mention`` entities a Telegram client attaches (UTF-16 offsets)."""
    return [
        {
            "type": "bot_command" if match["command"] else "mention",
            "offset": visible_length(text[: match.start()]),
            "length": visible_length(match[0]),
        }
        for match in _ENTITY_RE.finditer(text)
    ]


def _without_none(data: JSONDict) -> JSONDict:
    return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class User:
    """A (human) Telegram user."""

    id: int
    first_name: str = "Test"
    username: str | None = None
    language_code: str | None = None  # the client's language (IETF), when it tells

    def to_dict(self) -> JSONDict:
        return {"is_bot": False, **_without_none(asdict(self))}


@dataclass(frozen=True)
class Chat:
    """A private chat or a group."""

    id: int
    type: str = "private"
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool | None = None  # a supergroup whose messages are in topics

    @classmethod
    def private(cls, user: User) -> Chat:
        return cls(user.id, first_name=user.first_name, username=user.username)

    @classmethod
    def group(cls, chat_id: int = -1001234567890, title: str = "Test group") -> Chat:
        return cls(chat_id, "supergroup", title)

    @classmethod
    def forum(cls, chat_id: int = -1009876543210, title: str = "Test forum") -> Chat:
        return cls(chat_id, "supergroup", title, is_forum=True)

    def to_dict(self) -> JSONDict:
        return _without_none(asdict(self))


DEFAULT_USER = User(1001, "Alice", "alice")
# The sender Telegram gives every message an anonymous group admin sends, in any group.
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group"} | {
    "username": "GroupAnonymousBot"
}


@dataclass
class BotRequest:
    """One Bot API request the bot made, as answered."""

    seq: int
    method: str
    params: JSONDict
    status: int
    response: JSONDict
    fault: str | None  # the mode of the fault injected, if any
    time: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return self.response.get("result")


@dataclass
class SentMessage:
    """A message the bot sent; ``message`` is the Message as it stands after the bot's edits."""

    request: BotRequest
    message: JSONDict
    edits: list[BotRequest] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        return int(self.message["chat"]["id"])

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])

    @property
    def parse_mode(self) -> str | None:
        return (self.edits or [self.request])[-1].params.get("parse_mode")

    @property
    def buttons(self) -> list[JSONDict]:
        """The inline keyboard's buttons now, row by row."""
        return [
            b
            for row in self.message.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row
        ]

    @property
    def texts(self) -> list[str]:
        """The text as sent (HTML), then as each edit set it."""
        return [r.params["text"] for r in (self.request, *self.edits)]


class ApiError(Exception):
    """An error answer of the Bot API: its HTTP status and its body."""

    def __init__(self, code: int, description: str, **extra: Any) -> None:
        super().__init__(description)
        self.code = code
        self.payload = {"ok": False, "error_code": code, "description": description, **extra}


@dataclass
class _Fault:
    """A fault injected: the next ``count`` requests of ``methods`` (or all of them until
    ``until``) get ``error``, hang, or are dropped."""

    mode: str
    count: int
    methods: Collection[str] | None  # None: all but getUpdates
    error: ApiError | None  # None: hang for ``seconds`` then answer, or drop
    seconds: float
    until: float | None = None  # a monotonic time: every matching request until then

    def matches(self, method: str) -> bool:
        return method in self.methods if self.methods is not None else method != "getUpdates"

    def spent(self) -> bool:
        """(Counting one more request.) Whether the fault is over."""
        if self.until is not None:
            return time.monotonic() >= self.until
        self.count -= 1
        return not self.count


class _Handler(BaseHTTPRequestHandler):
    """Bot API requests: ``POST /bot<token>/<method>`` with a form, as PTB sends them."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the client went away mid-request: nothing reached the API
            self.close_connection = True
            return
        body = raw.decode()
        params = {k: _decode(k, v) for k, v in parse_qsl(body, keep_blank_values=True)}
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path)
        token, method = match.groups() if match else ("", self.path)
        answer = self.server.api.call(token, method, params)
        if answer is None:  # dropped: the connection closes with no response
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, payload = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the requests are recorded instead."""


def _decode(key: str, value: str) -> Any:
    """A form value as the Bot API reads it: JSON-encoded, except for the string parameters."""
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Server(ThreadingHTTPServer):
    """The HTTP server; it keeps its open connections, to drop them all at once."""

    daemon_threads = True

    def __init__(self, port: int, api: Emulator) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # not just a client that went away
            super().handle_error(request, client_address)


class Emulator:
    """The fake Bot API, listening from construction on; and the driver of the tests."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        bot = User(int(token.split(":")[0]), "Test", BOT_USERNAME)
        self.bot_user = bot.to_dict() | {"is_bot": True}
        self._lock = threading.Condition()
        self._ids = itertools.count(1)  # message, update and query ids
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.reset()
        self._listen(0)

    # ---------------------------------------------------------------- serving
    @property
    def base_url(self) -> str:
        """For PTB: ``ApplicationBuilder().base_url(emulator.base_url)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    def _listen(self, port: int) -> None:
        """Serve on ``port`` of 127.0.0.1 (0: a free one) from a thread."""
        self._server = _Server(port, self)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        with self._lock:
            self._listening = True
            self._changed()

    def stop(self) -> None:
        """Stop listening and drop every open connection."""
        with self._lock:
            self._listening = False
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self._server.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def reset(self) -> None:
        """Forget updates, messages, requests and faults: a new test begins."""
        with self._lock:
            self._updates: list[JSONDict] = []
            self._log: list[BotRequest] = []
            self._busy = 0  # requests logged, long polls that got nothing aside
            self._sent: dict[int, list[SentMessage]] = {}  # by chat
            self._messages: dict[tuple[Any, Any], JSONDict] = {}  # by chat and message id
            self._chats: dict[Any, JSONDict] = {}
            self._queries: set[str] = set()  # callback and inline queries not answered yet
            self._topics: set[tuple[Any, Any]] = set()  # (chat id, thread id) of forum topics
            self._blocked: set[Any] = set()  # chats that blocked the bot, or removed it
            self._migrated: dict[Any, int] = {}  # groups upgraded to a supergroup: its id
            self._flood_interval = 0.0  # flood control: seconds between messages to a chat
            self._last_sent: dict[Any, float] = {}  # by chat, for flood control
            self._faults: list[_Fault] = []
            self._webhook: str | None = None
            self._webhook_params: JSONDict = {}
            self._delivery: tuple[str, int] | None = None  # the webhook's address here
            self._delivering: set[int] = set()  # update ids being posted
            self.deliveries: list[tuple[int, int]] = []  # (update id, status; 0: no answer)

    def _changed(self) -> None:
        """(With the lock held.) Wake the long polls and the driver's waits."""
        self._lock.notify_all()
        for loop, event in self._waiters:
            loop.call_soon_threadsafe(event.set)
        self._waiters.clear()

    def call(self, token: str, method: str, params: JSONDict) -> tuple[int, JSONDict] | None:
        """Answer a Bot API request as Telegram would, and record it; None: drop it."""
        with self._lock:
            self._faults = [f for f in self._faults if f.until is None or not f.spent()]
            fault = next((f for f in self._faults if f.matches(method)), None)
            if fault and fault.spent():
                self._faults.remove(fault)
            if fault and fault.mode == "drop":
                self._record(BotRequest(len(self._log) + 1, method, params, 0, {}, "drop"))
                return None
        if fault and fault.error is None:
            time.sleep(fault.seconds)  # then carried out, though the client may have given up
        with self._lock:
            try:
                if token != self.token:
                    raise ApiError(401, "Unauthorized")
                if fault and fault.error:
                    raise fault.error
                handler = getattr(self, f"_api_{method}", None)
                if handler is None:
                    raise ApiError(404, "Not Found")
                status, payload = 200, {"ok": True, "result": handler(params)}
            except ApiError as error:
                status, payload = error.code, error.payload
            mode = fault.mode if fault else None
            self._record(BotRequest(len(self._log) + 1, method, params, status, payload, mode))
        return status, payload

    def _record(self, request: BotRequest) -> None:
        """(With the lock held.) Log a request; keep the messages it sent or edited."""
        self._log.append(request)
        if request.method != "getUpdates" or request.result:
            self._busy += 1
        if request.ok and request.method in ("sendMessage", "editMessageText"):
            chat_id, message_id = request.result["chat"]["id"], request.result["message_id"]
            sent = self._sent.setdefault(chat_id, [])
            if request.method == "sendMessage":
                sent.append(SentMessage(request, self._messages[(chat_id, message_id)]))
            else:
                next(s for s in sent if s.message_id == message_id).edits.append(request)
        self._changed()

    # ---------------------------------------------------------------- the Bot API methods
    def _api_getMe(self, params: JSONDict) -> JSONDict:
        flags = {"can_join_groups": True, "can_read_all_group_messages": False}
        return self.bot_user | flags | {"supports_inline_queries": True}

    def _api_getUpdates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = params.get("offset", 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed
        self._lock.wait_for(lambda: self._updates, timeout=min(params.get("timeout", 0), 50))
        return copy.deepcopy(self._updates[: params.get("limit", 100)])

    def _api_setWebhook(self, params: JSONDict) -> bool:
        if not str(params.get("url")).startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self._webhook = params["url"]
        self._webhook_params = params
        return True

    def _api_getWebhookInfo(self, params: JSONDict) -> JSONDict:
        pending = len(self._updates)
        return {"url": self._webhook or "", "has_custom_certificate": False} | {
            "pending_update_count": pending
        }

    def _api_deleteWebhook(self, params: JSONDict) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._updates = []
        return True

    def _api_setMyCommands(self, params: JSONDict) -> bool:
        self._check_language_code(params)
        scope = params.get("scope", {"type": "default"})
        if scope.get("type") not in ("default", "all_private_chats", "all_group_chats"):
            raise ApiError(400, "Bad Request: BOT_COMMAND_SCOPE_INVALID")
        for command in params.get("commands", []):
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _api_setMyDescription(self, params: JSONDict) -> bool:
        self._check_language_code(params)
        if len(params.get("description", "")) > 512:
            raise ApiError(400, "Bad Request: BOT_DESCRIPTION_INVALID")
        return True

    def _api_setMyShortDescription(self, params: JSONDict) -> bool:
        self._check_language_code(params)
        if len(params.get("short_description", "")) > 120:
            raise ApiError(400, "Bad Request: BOT_SHORT_DESCRIPTION_INVALID")
        return True

    @staticmethod
    def _check_language_code(params: JSONDict) -> None:
        """A language_code is a two-letter ISO 639-1 code, or absent (the default)."""
        code = params.get("language_code")
        if code not in (None, "") and not re.fullmatch(r"[a-z]{2}", str(code)):
            raise ApiError(400, "Bad Request: LANG_CODE_INVALID")

    def _api_sendMessage(self, params: JSONDict) -> JSONDict:
        chat_id = params.get("chat_id")
        self._check_not_blocked(chat_id)
        self._check_flood(chat_id)
        chat = self._chats.get(chat_id) or {"id": chat_id, "type": "private", "first_name": "Test"}
        message: JSONDict = {"message_id": next(self._ids), "from": self.bot_user, "chat": chat}
        message |= {"date": int(time.time()), **_content(params)}
        thread = params.get("message_thread_id")
        reply = params.get("reply_parameters", {})
        reply_to = reply.get("message_id")
        if reply_to is not None and (chat_id, reply_to) not in self._messages:
            if not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            reply_to = None  # sent as a message of its own
        if reply_to is not None:
            replied = self._messages[(chat_id, reply_to)]
            message["reply_to_message"] = _unnested(replied)
            if thread is None and replied.get("is_topic_message"):  # a reply is in its topic
                thread = replied["message_thread_id"]
        if thread is not None:  # in a forum's topic; without one, in its General topic
            if (chat_id, thread) not in self._topics:
                raise ApiError(400, "Bad Request: message thread not found")
            message |= {"message_thread_id": thread, "is_topic_message": True}
        self._messages[(chat_id, message["message_id"])] = message
        return copy.deepcopy(message)

    def _check_flood(self, chat_id: Any) -> None:
        """With flood control on, a message sooner than its interval after the chat's last gets
        429 and the seconds to wait (Telegram: "Too Many Requests: retry after N")."""
        now = time.monotonic()
        wait = self._last_sent.get(chat_id, -math.inf) + self._flood_interval - now
        if wait > 0:
            seconds = math.ceil(wait)
            raise ApiError(
                429,
                f"Too Many Requests: retry after {seconds}",
                parameters={"retry_after": seconds},
            )
        self._last_sent[chat_id] = now

    def _check_not_blocked(self, chat_id: Any) -> None:
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked:
            kind = self._chats.get(chat_id, {}).get("type", "private")
            reason = "blocked by the user" if kind == "private" else f"kicked from the {kind} chat"
            raise ApiError(403, f"Forbidden: bot was {reason}")

    def _api_editMessageText(self, params: JSONDict) -> JSONDict:
        self._check_not_blocked(params.get("chat_id"))
        self._check_flood(params.get("chat_id"))
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None or message["from"] != self.bot_user:
            raise ApiError(400, "Bad Request: message to edit not found")
        content = _content(params)
        if all(message.get(k) == content.get(k) for k in ("text", "entities", "reply_markup")):
            raise ApiError(400, _NOT_MODIFIED)
        for key in ("entities", "reply_markup"):
            message.pop(key, None)
        message.update(content, edit_date=int(time.time()))
        return copy.deepcopy(message)

    def _api_editMessageReplyMarkup(self, params: JSONDict) -> JSONDict:
        self._check_not_blocked(params.get("chat_id"))
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None or message["from"] != self.bot_user:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        message.pop("reply_markup", None)
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _api_answerCallbackQuery(self, params: JSONDict) -> bool:
        return self._answer(params.get("callback_query_id"))

    def _api_answerInlineQuery(self, params: JSONDict) -> bool:
        for result in params.get("results", []):
            content = result.get("input_message_content", {})
            _content({"text": content.get("message_text"), "parse_mode": content.get("parse_mode")})
        return self._answer(params.get("inline_query_id"))

    def _answer(self, query_id: Any) -> bool:
        """A query can be answered once, after it was delivered."""
        if query_id not in self._queries:
            invalid = "query is too old and response timeout expired or query ID is invalid"
            raise ApiError(400, f"Bad Request: {invalid}")
        self._queries.remove(query_id)
        return True

    # ---------------------------------------------------------------- users acting
    def _queue(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queue an update for the bot; returns its payload."""
        with self._lock:
            self._updates.append({"update_id": next(self._ids), kind: copy.deepcopy(payload)})
            self._changed()
        return payload

    def _user_message(self, user: User | None, chat: JSONDict | None, **content: Any) -> JSONDict:
        """A user's message, in ``chat`` (default: their private chat), queued for the bot."""
        user = user or DEFAULT_USER
        chat = chat or Chat.private(user).to_dict()
        message: JSONDict = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat}
        message |= {"from": user.to_dict(), **content}
        with self._lock:
            self._chats[chat["id"]] = chat
            self._messages[(chat["id"], message["message_id"])] = message
        return self._queue("message", message)

    async def send_text(
        self,
        text: str,
        *,
        user: User | None = None,
        chat: Chat | None = None,
        reply_to: SentMessage | None = None,
        topic: int | None = None,
        anonymous: bool = False,
    ) -> JSONDict:
        """A user writes ``text`` (in a private chat with the bot unless ``chat`` is given, in
        a forum's ``topic`` if given; as the group itself if ``anonymous``, as its anonymous
        admins do); returns the Message. ``bot_command`` and ``mention`` entities are
        detected."""
        content = _text(text)
        where = chat.to_dict() if chat else None
        if anonymous:
            assert where is not None and where["type"] != "private", "anonymous in groups"
            content |= {"from": ANONYMOUS_ADMIN, "sender_chat": where}
        if topic is not None:
            assert chat is not None and chat.is_forum, "topics are in forums"
            content |= {"message_thread_id": topic, "is_topic_message": True}
            with self._lock:
                self._topics.add((chat.id, topic))
        if reply_to is not None:
            content["reply_to_message"] = _unnested(reply_to.message)
            where = reply_to.message["chat"]
        return self._user_message(user, where, **content)

    async def send_group_message(
        self,
        text: str,
        *,
        group: Chat | None = None,
        user: User | None = None,
        mention_bot: bool = False,
        anonymous: bool = False,
    ) -> JSONDict:
        """A user (an anonymous admin, if ``anonymous``) writes in a group, starting with
        ``@TestNameBot`` if ``mention_bot``."""
        text = f"@{BOT_USERNAME} {text}" if mention_bot else text
        return await self.send_text(
            text, user=user, chat=group or Chat.group(), anonymous=anonymous
        )

    async def send_command(
        self,
        command: str,
        args: str = "",
        *,
        user: User | None = None,
        chat: Chat | None = None,
        address_bot: bool = False,
        topic: int | None = None,
    ) -> JSONDict:
        """``/command args``, or ``/command@TestNameBot args`` if ``address_bot``."""
        head = f"/{command}" + (f"@{BOT_USERNAME}" if address_bot else "")
        text = f"{head} {args}" if args else head
        return await self.send_text(text, user=user, chat=chat, topic=topic)

    def delete_message(self, message: JSONDict) -> None:
        """The user deletes a message they sent (as :meth:`send_text` returned it)."""
        with self._lock:
            self._messages.pop((message["chat"]["id"], message["message_id"]), None)

    def migrate(self, group: Chat, supergroup: Chat) -> None:
        """A group is upgraded to a supergroup, a chat with another id: what the bot sends to
        the group from now on gets 400 and the supergroup's id (``migrate_to_chat_id``)."""
        with self._lock:
            self._migrated[group.id] = supergroup.id
            self._chats[supergroup.id] = supergroup.to_dict()

    def block(self, chat: Chat | User) -> None:
        """The user blocks the bot (or the group removes it): from now on, whatever the bot
        sends there gets 403 (updates already queued are still delivered)."""
        with self._lock:
            self._blocked.add(chat.id)

    async def reply(self, to: SentMessage, text: str, *, user: User | None = None) -> JSONDict:
        """A user replies to a message of the bot, in its chat."""
        return await self.send_text(text, user=user, reply_to=to)

    async def edit_user_message(self, message: JSONDict, text: str) -> JSONDict:
        """The user edits a message they sent (as :meth:`send_text` returned it)."""
        edited = {k: v for k, v in message.items() if k != "entities"}
        return self._queue("edited_message", edited | _text(text) | {"edit_date": int(time.time())})

    async def send_sticker(self, *, user: User | None = None) -> JSONDict:
        """A user sends a sticker."""
        sticker: JSONDict = {
            "file_id": "sticker",
            "file_unique_id": "s",
            "type": "regular",
            "emoji": "👍",
        }
        sticker |= {"width": 512, "height": 512, "is_animated": False, "is_video": False}
        return self._user_message(user, None, sticker=sticker)

    async def send_photo(self, *, caption: str | None = None, user: User | None = None) -> JSONDict:
        """A user sends a photo, with a caption if given."""
        photo = [{"file_id": "photo", "file_unique_id": "p", "width": 320, "height": 240}]
        return self._user_message(user, None, photo=photo, **_without_none({"caption": caption}))

    async def press_button(
        self, message: SentMessage, data: str, *, user: User | None = None, validate: bool = True
    ) -> str:
        """A user presses the button ``data`` of a bot message (which must be on it now, if
        ``validate``); returns the callback query id."""
        if validate and data not in [b.get("callback_data") for b in message.buttons]:
            raise ValueError(f"no button {data!r} on the message: {message.buttons}")
        query = {"id": f"cbq-{next(self._ids)}", "from": (user or DEFAULT_USER).to_dict()}
        query |= {"message": message.message, "chat_instance": f"ci{message.chat_id}", "data": data}
        return self._query("callback_query", query)

    async def press_inline_button(self, data: str, *, user: User | None = None) -> str:
        """A user presses a button of a message sent in inline mode (the query carries no
        message, only an ``inline_message_id``); returns the callback query id."""
        query = {"id": f"cbq-{next(self._ids)}", "from": (user or DEFAULT_USER).to_dict()}
        query |= {"inline_message_id": f"im-{next(self._ids)}", "chat_instance": "ci", "data": data}
        return self._query("callback_query", query)

    async def send_inline_query(self, query: str, *, user: User | None = None) -> str:
        """A user types ``@TestNameBot query``; returns the inline query id."""
        inline = {"id": f"iq-{next(self._ids)}", "from": (user or DEFAULT_USER).to_dict()}
        return self._query(
            "inline_query", inline | {"query": query, "offset": "", "chat_type": "sender"}
        )

    def _query(self, kind: str, query: JSONDict) -> str:
        """Queue a callback or inline query, which the bot may then answer once."""
        with self._lock:
            self._queries.add(query["id"])
        return str(self._queue(kind, query)["id"])

    # ---------------------------------------------------------------- webhook delivery
    def deliver_to(self, port: int, path: str = "/telegram", workers: int = 8) -> None:
        """Post updates to the bot's webhook server on 127.0.0.1:``port`` (where Telegram
        would reach the registered URL), as Telegram does: several at a time, with the
        registered secret, each until it gets a 200, again after a pause when it did not."""
        with self._lock:
            self._delivery = ("127.0.0.1", port)
        for _ in range(workers):
            threading.Thread(target=self._deliver, args=(self._delivery, path), daemon=True).start()

    def _deliver(self, address: tuple[str, int], path: str) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._delivery != address or self._next_delivery())
                if self._delivery != address:
                    return  # reset, or another server
                update = self._next_delivery()
                assert update is not None
                self._delivering.add(update["update_id"])
                secret = self._webhook_params.get("secret_token")
            status = _post_json(address, path, update, secret)
            with self._lock:
                self._delivering.discard(update["update_id"])
                self.deliveries.append((update["update_id"], status))
                if status == 200:
                    self._updates = [u for u in self._updates if u is not update]
                self._changed()
            if status != 200:
                time.sleep(0.5)

    def _next_delivery(self) -> JSONDict | None:
        """(With the lock held.) The oldest update waiting for its webhook delivery."""
        if not self._webhook:
            return None
        return next((u for u in self._updates if u["update_id"] not in self._delivering), None)

    # ---------------------------------------------------------------- what the bot did
    def requests(self, method: str | None = None) -> list[BotRequest]:
        """The Bot API requests the bot made (of ``method``), in order."""
        return [r for r in self._log if method in (None, r.method)]

    def sent_messages(self, chat_id: int) -> list[SentMessage]:
        """The messages the bot sent to ``chat_id``, in order, edits applied."""
        return list(self._sent.get(chat_id, []))

    def _params(self, method: str, key: str, value: object) -> list[JSONDict]:
        """Params of the successful ``method`` requests whose ``key`` is ``value`` (if given)."""
        return [
            r.params for r in self.requests(method) if r.ok and value in (None, r.params.get(key))
        ]

    def callback_answers(self, query_id: str | None = None) -> list[JSONDict]:
        """Parameters of the bot's answerCallbackQuery requests (to ``query_id``)."""
        return self._params("answerCallbackQuery", "callback_query_id", query_id)

    def inline_answers(self, query_id: str | None = None) -> list[JSONDict]:
        """Parameters of the bot's answerInlineQuery requests (to ``query_id``)."""
        return self._params("answerInlineQuery", "inline_query_id", query_id)

    def commands_set(
        self, scope: str | None = "default", language_code: str | None = ""
    ) -> list[JSONDict]:
        """Parameters of the bot's setMyCommands requests for ``scope`` (its type: "default",
        "all_private_chats", "all_group_chats"; None: any) and ``language_code`` ("": none,
        None: any)."""
        return [
            params
            for params in self._params("setMyCommands", "commands", None)
            if scope in (None, params.get("scope", {"type": "default"})["type"])
            and language_code in (None, params.get("language_code", ""))
        ]

    def descriptions_set(self, short: bool = False) -> dict[str, str]:
        """The bot's descriptions (``short``: short descriptions) by language_code ("": the
        default), the latest of each."""
        method, key = (
            ("setMyShortDescription", "short_description")
            if short
            else (
                "setMyDescription",
                "description",
            )
        )
        return {p.get("language_code", ""): p[key] for p in self._params(method, key, None)}

    def assert_token_not_leaked(self) -> None:
        """No parameter of any request holds the bot token."""
        for r in self._log:
            assert self.token not in json.dumps(r.params, ensure_ascii=False), (
                f"token in {r.method}"
            )

    # ---------------------------------------------------------------- waiting
    async def wait_for(
        self, predicate: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until ``predicate()`` is truthy and return it; checked again as soon as the bot
        makes a request, and at least every 0.1 s."""
        deadline = time.monotonic() + timeout
        while True:
            waiter = (asyncio.get_running_loop(), asyncio.Event())
            with self._lock:
                self._waiters.append(waiter)
            try:
                if value := predicate():
                    return value
                if (remaining := deadline - time.monotonic()) <= 0:
                    recent = [f"{r.method}({r.status})" for r in self._log[-15:]]
                    raise TimeoutError(f"no {what} after {timeout} s; last requests: {recent}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter[1].wait(), min(remaining, 0.1))
            finally:
                with self._lock, contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, *, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent ``count`` messages to ``chat_id``; return them all."""
        sent = partial(self.sent_messages, chat_id)
        return await self._wait_count(sent, count, timeout, f"message(s) to {chat_id}")

    async def wait_for_requests(
        self, method: str, count: int = 1, *, timeout: float = 5.0
    ) -> list[BotRequest]:
        """Wait until the bot has made ``count`` ``method`` requests; return them all."""
        return await self._wait_count(partial(self.requests, method), count, timeout, method)

    async def _wait_count(
        self, found: Callable[[], list[T]], count: int, timeout: float, what: str
    ) -> list[T]:
        """Wait until ``found()`` has ``count`` items; return them all."""
        enough = lambda: items if len(items := found()) >= count else None  # noqa: E731
        return await self.wait_for(enough, timeout=timeout, what=f"{count} {what}")

    async def wait_for_edit(
        self, message: SentMessage, count: int = 1, *, timeout: float = 5.0
    ) -> None:
        """Wait until ``message`` has been edited ``count`` times."""
        await self.wait_for(lambda: len(message.edits) >= count, timeout=timeout, what="an edit")

    async def wait_idle(self, quiet: float = 0.2, *, timeout: float = 10.0) -> None:
        """Wait until the bot has made no request for ``quiet`` s (empty long polls aside)."""
        deadline = time.monotonic() + timeout
        while True:
            busy = self._busy
            await asyncio.sleep(quiet)
            if self._busy == busy:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot is still busy after {timeout} s")

    # ---------------------------------------------------------------- faults
    async def inject_fault(
        self,
        mode: str,
        *,
        count: int = 1,
        methods: Collection[str] | None = None,
        retry_after: int = 1,
        seconds: float = 0.0,
        error_code: int = 400,
        description: str = "Bad Request: injected error",
    ) -> None:
        """The next ``count`` requests of ``methods`` (default: all but getUpdates) fail:
        ``"500"``, ``"429"`` (``retry_after``), ``"error"`` (``error_code``, ``description``),
        ``"hang"``: answered after ``seconds``, even if the client gave up, or ``"drop"``:
        every request for ``seconds`` is read, not carried out, and its connection closed
        with no response (a proxy restarting)."""
        errors = {
            "500": ApiError(500, "Internal Server Error"),
            "429": ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                parameters={"retry_after": retry_after},
            ),
            "error": ApiError(error_code, description),
        }
        until = time.monotonic() + seconds if mode == "drop" else None
        with self._lock:
            self._faults.append(_Fault(mode, count, methods, errors.get(mode), seconds, until))

    def flood_control(self, interval: float = 1.0) -> None:
        """Answer 429 (with ``retry_after``) to a message sent or edited in a chat sooner than
        ``interval`` s after the last one there: Telegram's "no more than one message per
        second in a chat", read strictly (Telegram allows short bursts before its 429s)."""
        with self._lock:
            self._flood_interval = interval

    async def refuse_connections(self, seconds: float) -> None:
        """Stop listening and drop every connection; listen on the same port after ``seconds``."""
        self.stop()
        timer = threading.Timer(seconds, self._listen, args=(self.port,))
        timer.daemon = True
        timer.start()

    async def wait_until_up(self, timeout: float = 10.0) -> None:
        """Wait until the Bot API listens again after :meth:`refuse_connections`."""
        await self.wait_for(lambda: self._listening, timeout=timeout, what="listening")


def _post_json(address: tuple[str, int], path: str, body: JSONDict, secret: str | None) -> int:
    """POST ``body`` as JSON; the status, or 0 when no answer came."""
    connection = http.client.HTTPConnection(*address, timeout=60)
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        connection.request("POST", path, json.dumps(body).encode(), headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def _content(params: JSONDict) -> JSONDict:
    """The text, entities and inline keyboard of a message sent or edited with ``params``."""
    text, entities = params.get("text"), params.get("entities", [])
    if str(params.get("parse_mode")).upper() == "HTML" and isinstance(text, str):
        try:
            text, entities = parse_html(text)
        except TelegramHTMLError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if visible_length(text) > MESSAGE_LIMIT:
        raise ApiError(400, "Bad Request: message is too long")
    markup = params.get("reply_markup")
    inline = (
        {"reply_markup": markup} if isinstance(markup, dict) and "inline_keyboard" in markup else {}
    )
    return {"text": text, **({"entities": entities} if entities else {}), **inline}


def _text(text: str) -> JSONDict:
    """A user's text, with the entities a Telegram client detects."""
    entities = detect_entities(text)
    return {"text": text, "entities": entities} if entities else {"text": text}


def _unnested(message: JSONDict) -> JSONDict:
    """``message`` as Telegram nests it in another: without its own ``reply_to_message``."""
    return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}


@contextlib.asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Run the bot's ``Application`` with long polling, as ``interview-bot run`` does, for
    the block."""
    from bot.delivery import serve

    stopping = asyncio.Event()
    running = asyncio.create_task(serve(app, stopping=stopping))
    try:
        yield
    finally:
        stopping.set()
        await running
