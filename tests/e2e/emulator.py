"""Python driver for the Telegram Bot API emulator in ``tests/e2e/emulator/``.

The emulator is ``telegram-test-api`` 4.2.1 behind our own Node wrapper
(``emulator/server.js``). :class:`Emulator` starts it as a subprocess on 127.0.0.1,
plays the users (messages, commands, button presses, inline queries, ...) and reads
back every Bot API request the bot made. See ``tests/e2e/README.md``.

Process control (:meth:`Emulator.start`, :meth:`Emulator.stop`) is synchronous; all
traffic with the emulator is ``async`` (httpx). Recorded bot activity is mirrored
locally: the accessors (:meth:`Emulator.sent_messages`, :meth:`Emulator.requests`, ...)
read that mirror, which :meth:`Emulator.refresh` and every ``wait_for*`` bring up to date.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import httpx

if TYPE_CHECKING:
    from telegram.ext import Application

EMULATOR_DIR = Path(__file__).resolve().parent / "emulator"
DEFAULT_TOKEN = "123456:TEST-emulator-token-0123456789abcdef"
DEFAULT_BOT_USERNAME = "TestNameBot"
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendSticker"})
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})

JSONDict = dict[str, Any]
T = TypeVar("T")

_ids = itertools.count(1)
_ENTITY_RE = re.compile(
    r"(?<![\w/@])(?:(?P<command>/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<mention>@[A-Za-z0-9_]{3,32}))"
)


class EmulatorError(RuntimeError):
    """The emulator could not be started or answered a control call with an error."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[JSONDict]:
    """The ``bot_command`` and ``mention`` entities a Telegram client would attach."""
    entities: list[JSONDict] = []
    for match in _ENTITY_RE.finditer(text):
        kind = "bot_command" if match.group("command") else "mention"
        entities.append(
            {
                "type": kind,
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


@dataclass(frozen=True)
class User:
    id: int
    first_name: str = "Test"
    username: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: str = "private"
    title: str | None = None
    first_name: str | None = None
    username: str | None = None

    @classmethod
    def private(cls, user: User) -> Chat:
        return cls(id=user.id, type="private", first_name=user.first_name, username=user.username)

    @classmethod
    def group(cls, chat_id: int = -1001234567890, title: str = "Test group") -> Chat:
        return cls(
            id=chat_id,
            type="supergroup" if str(chat_id).startswith("-100") else "group",
            title=title,
        )

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        for name in ("title", "first_name", "username"):
            if (value := getattr(self, name)) is not None:
                data[name] = value
        return data


DEFAULT_USER = User(id=1001, first_name="Alice", username="alice")


@dataclass
class BotRequest:
    """One Bot API request the bot made (``kind == "bot_api"``) or one webhook delivery."""

    seq: int
    kind: str
    token: str | None
    method: str
    params: JSONDict
    status: int
    response: Any
    time: float
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return isinstance(self.response, dict) and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return self.response.get("result") if isinstance(self.response, dict) else None

    @classmethod
    def from_json(cls, data: JSONDict) -> BotRequest:
        return cls(
            seq=data["seq"],
            kind=data["kind"],
            token=data.get("token"),
            method=data["method"],
            params=data.get("params") or {},
            status=data.get("status", 0),
            response=data.get("response"),
            time=data.get("time", 0.0),
            fault=data.get("fault"),
        )


@dataclass
class SentMessage:
    """A message the bot sent, as it stands after the bot's later edits."""

    token: str
    chat_id: int
    message_id: int
    request: BotRequest
    message: JSONDict
    edits: list[BotRequest] = field(default_factory=list)
    deleted: bool = False

    @property
    def text(self) -> str | None:
        return self.message.get("text")

    @property
    def caption(self) -> str | None:
        return self.message.get("caption")

    @property
    def parse_mode(self) -> str | None:
        """``parse_mode`` of the latest send or text edit (``None`` for plain text)."""
        last = self.request
        for edit in self.edits:
            if edit.method != "editMessageReplyMarkup":
                last = edit
        value = last.params.get("parse_mode")
        return str(value) if value is not None else None

    @property
    def reply_markup(self) -> JSONDict | None:
        """The inline keyboard currently attached (Telegram only echoes inline keyboards)."""
        return self.message.get("reply_markup")

    @property
    def sent_reply_markup(self) -> Any:
        """``reply_markup`` as sent with the message, any keyboard kind."""
        return self.request.params.get("reply_markup")

    @property
    def buttons(self) -> list[JSONDict]:
        """All inline keyboard buttons currently attached, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def texts(self) -> list[str]:
        """Every text this message has shown: the sent one, then each edit."""
        out = [self.request.params.get("text") or self.request.params.get("caption") or ""]
        out += [e.params["text"] for e in self.edits if "text" in e.params]
        return out


class Emulator:
    """Starts the emulator and drives it. One instance can serve many bots, chats, users."""

    def __init__(
        self,
        *,
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        node: str = "node",
        npm: str = "npm",
        emulator_dir: Path = EMULATOR_DIR,
        startup_timeout: float = 60.0,
    ) -> None:
        self.token = token
        self.bot_username = DEFAULT_BOT_USERNAME
        self._requested_port = port
        self._node = node
        self._npm = npm
        self._dir = emulator_dir
        self._startup_timeout = startup_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._port: int | None = None
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None
        self._clear_mirror(0)

    # ------------------------------------------------------------ process
    @property
    def port(self) -> int:
        if self._port is None:
            raise EmulatorError("emulator is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB: ``ApplicationBuilder().base_url(emu.base_url)``."""
        return f"{self.url}/bot"

    def start(self) -> None:
        """Start ``node server.js`` (running ``npm ci`` first if needed); wait for READY."""
        if self._proc is not None:
            return
        if shutil.which(self._node) is None:
            raise EmulatorError(
                f"'{self._node}' not found on PATH: the e2e tests need Node.js >= 18 "
                "(the Telegram Bot API emulator is a Node program)"
            )
        if not (self._dir / "node_modules" / "telegram-test-api").is_dir():
            self._npm_ci()
        self._stderr = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            "w+", prefix="tg-emulator-", suffix=".log", delete=False
        )
        self._proc = subprocess.Popen(
            [self._node, "server.js", "--port", str(self._requested_port), "--watch-stdin"],
            cwd=self._dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        line = self._read_ready_line(self._proc)
        match = re.fullmatch(r"READY (\d+)\s*", line)
        if not match:
            self.stop()
            raise EmulatorError(f"emulator did not start (got {line!r}): {self._stderr_tail()}")
        self._port = int(match.group(1))

    def _npm_ci(self) -> None:
        if shutil.which(self._npm) is None:
            raise EmulatorError(
                f"'{self._npm}' not found on PATH: needed to install {self._dir}/node_modules"
            )
        done = subprocess.run(
            [self._npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=self._dir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise EmulatorError(f"npm ci failed in {self._dir}:\n{done.stdout}\n{done.stderr}")

    def _read_ready_line(self, proc: subprocess.Popen[str]) -> str:
        assert proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(
            target=lambda: result.append(proc.stdout.readline() if proc.stdout else "")
        )
        reader.daemon = True
        reader.start()
        reader.join(self._startup_timeout)
        if not result:
            self.stop()
            raise EmulatorError(
                f"emulator not ready after {self._startup_timeout}s: {self._stderr_tail()}"
            )
        return result[0]

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        return Path(self._stderr.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """Terminate the Node process (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                if proc.stdin:
                    proc.stdin.close()
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            if proc.stdout:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            with contextlib.suppress(OSError):
                os.unlink(self._stderr.name)
            self._stderr = None
        self._port = None

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def log_text(self) -> str:
        """The Node process's stderr so far (errors of the wrapper land there)."""
        return self._stderr_tail()

    # ------------------------------------------------------------ HTTP plumbing
    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop or self._client.is_closed:
            # A client is bound to its event loop; tests may each run their own loop.
            self._client = httpx.AsyncClient(base_url=self.url, timeout=30.0)
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client of the current event loop (a new one is made on demand)."""
        client, self._client = self._client, None
        if client is not None and self._client_loop is asyncio.get_running_loop():
            await client.aclose()

    async def _control(
        self,
        path: str,
        payload: JSONDict | None = None,
        *,
        params: dict[str, str | int | float] | None = None,
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> Any:
        client = self._http()
        if payload is None:
            response = await client.get(
                f"/control/{path}", params=params, timeout=timeout, headers=headers
            )
        else:
            response = await client.post(
                f"/control/{path}", json=payload, timeout=timeout, headers=headers
            )
        data = response.json()
        if response.status_code != 200 or not data.get("ok"):
            raise EmulatorError(f"/control/{path} failed ({response.status_code}): {data}")
        return data["result"]

    # ------------------------------------------------------------ control
    async def reset(self) -> None:
        """Clear all emulator state: updates, bot messages, log, faults, webhooks, bot profiles."""
        result = await self._control("reset", {})
        self._clear_mirror(int(result["seq"]))
        self.bot_username = DEFAULT_BOT_USERNAME

    async def health(self) -> JSONDict:
        result: JSONDict = await self._control("health", timeout=2.0)
        return result

    async def wait_until_up(self, timeout: float = 10.0) -> None:
        """Poll until the emulator accepts connections again (after a ``refuse`` fault)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                await self.aclose()  # drop pooled connections the outage killed
                await self.health()
                return
            except (httpx.TransportError, EmulatorError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.02)

    async def configure_bot(
        self,
        token: str | None = None,
        *,
        username: str | None = None,
        first_name: str | None = None,
        bot_id: int | None = None,
        **flags: bool,
    ) -> JSONDict:
        """Set what ``getMe`` answers for a token (default: id from the token, @TestNameBot)."""
        payload: JSONDict = {"token": token or self.token, **flags}
        for name, value in (("username", username), ("first_name", first_name), ("id", bot_id)):
            if value is not None:
                payload[name] = value
        result: JSONDict = await self._control("bots", payload)
        if (token or self.token) == self.token and username:
            self.bot_username = username
        return result

    async def inject_fault(
        self,
        mode: str,
        *,
        count: int = 1,
        methods: Sequence[str] | None = None,
        token: str | None = None,
        retry_after: int | None = None,
        seconds: float | None = None,
        error_code: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` matching Bot API requests fail.

        ``mode``: ``"500"``, ``"429"`` (with ``retry_after``), ``"error"`` (any
        ``error_code``/``description``), ``"hang"`` (answer normally after ``seconds``,
        or never if ``None``), ``"refuse"`` (see :meth:`refuse_connections`).
        ``methods`` defaults to every method except ``getUpdates``.
        """
        if mode == "refuse":
            await self.refuse_connections(seconds if seconds is not None else 1.0)
            return
        payload: JSONDict = {"mode": mode, "count": count}
        optional = {
            "methods": list(methods) if methods is not None else None,
            "token": token,
            "retry_after": retry_after,
            "seconds": seconds,
            "error_code": error_code,
            "description": description,
        }
        payload.update({k: v for k, v in optional.items() if v is not None})
        await self._control("faults", payload)

    async def clear_faults(self) -> None:
        await self._control("faults/clear", {})

    async def refuse_connections(self, seconds: float) -> None:
        """Close the listening socket and every open connection; listen again after ``seconds``."""
        await self._control(
            "faults", {"mode": "refuse", "seconds": seconds}, headers={"connection": "close"}
        )
        await self.aclose()

    async def pending_updates(self, token: str | None = None) -> int:
        """Updates injected but not yet confirmed by the bot (via ``getUpdates`` offset)."""
        result: int = await self._control("pending", params={"token": token or self.token})
        return result

    async def post_webhook(
        self, url: str, update: JSONDict, *, secret_token: str | None = None
    ) -> tuple[int, str]:
        """POST ``update`` to a bot's webhook ``url`` (loopback only) as Telegram would."""
        payload: JSONDict = {"url": url, "update": update}
        if secret_token is not None:
            payload["secret_token"] = secret_token
        result = await self._control("webhook", payload)
        return int(result["status"]), str(result["body"])

    # ------------------------------------------------------------ users acting
    async def inject_update(self, update: JSONDict, *, token: str | None = None) -> JSONDict:
        """Queue a raw update for the bot (``update_id``, and ``message_id``/``date`` of
        messages, are filled in when missing). Delivered by webhook if the bot set one.
        Returns the update as stored."""
        result = await self._control("updates", {"token": token or self.token, "update": update})
        stored: JSONDict = result["update"]
        return stored

    async def send_text(
        self,
        text: str,
        *,
        user: User | None = None,
        chat: Chat | None = None,
        entities: list[JSONDict] | None = None,
        reply_to: SentMessage | JSONDict | None = None,
        token: str | None = None,
        **extra: Any,
    ) -> JSONDict:
        """A user sends ``text`` (private chat with the bot unless ``chat`` is given).
        ``bot_command`` and ``mention`` entities are detected unless ``entities`` is given.
        Returns the message as the bot receives it."""
        user = user or DEFAULT_USER
        message = self._message(user, chat, extra)
        message["text"] = text
        found = detect_entities(text) if entities is None else entities
        if found:
            message["entities"] = found
        if reply_to is not None:
            message["reply_to_message"] = (
                reply_to.message if isinstance(reply_to, SentMessage) else reply_to
            )
        return await self._send_message(message, token)

    async def send_group_message(
        self,
        text: str,
        *,
        group: Chat | None = None,
        user: User | None = None,
        mention_bot: bool = False,
        entities: list[JSONDict] | None = None,
        token: str | None = None,
    ) -> JSONDict:
        """A user writes in a group; ``mention_bot`` prefixes ``@<bot username> ``."""
        if mention_bot:
            text = f"@{self.bot_username} {text}"
        return await self.send_text(
            text, user=user, chat=group or Chat.group(), entities=entities, token=token
        )

    async def send_command(
        self,
        command: str,
        args: str = "",
        *,
        user: User | None = None,
        chat: Chat | None = None,
        address_bot: bool = False,
        token: str | None = None,
    ) -> JSONDict:
        """``/command args`` with a ``bot_command`` entity; ``/command@bot`` if ``address_bot``."""
        head = "/" + command.lstrip("/") + (f"@{self.bot_username}" if address_bot else "")
        text = f"{head} {args}" if args else head
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        rest = [e for e in detect_entities(text) if e["offset"] > 0]
        return await self.send_text(
            text, user=user, chat=chat, entities=[entity, *rest], token=token
        )

    async def reply(
        self,
        to: SentMessage | JSONDict,
        text: str,
        *,
        user: User | None = None,
        token: str | None = None,
    ) -> JSONDict:
        """A user replies to a message (normally one the bot sent) in that message's chat."""
        original = to.message if isinstance(to, SentMessage) else to
        chat = original["chat"]
        return await self.send_text(
            text,
            user=user,
            chat=Chat(
                **{
                    k: chat[k]
                    for k in ("id", "type", "title", "first_name", "username")
                    if k in chat
                }
            ),
            reply_to=original,
            token=token or (to.token if isinstance(to, SentMessage) else None),
        )

    async def press_button(
        self,
        message: SentMessage,
        data: str | None = None,
        *,
        text: str | None = None,
        user: User | None = None,
        validate: bool = True,
    ) -> str:
        """A user presses an inline button of a bot message (by ``callback_data`` or button
        ``text``). With ``validate``, the button must be on the message as it stands now.
        Returns the callback query id (to find the bot's ``answerCallbackQuery``)."""
        if data is None:
            matches = [b for b in message.buttons if b.get("text") == text]
            if not matches or "callback_data" not in matches[0]:
                raise ValueError(
                    f"no callback button with text {text!r} on the message: {message.buttons}"
                )
            data = str(matches[0]["callback_data"])
        elif validate and data not in [b.get("callback_data") for b in message.buttons]:
            raise ValueError(
                f"no button with callback_data {data!r} on the message: {message.buttons}"
            )
        query_id = f"cbq-{next(_ids)}"
        user = user or DEFAULT_USER
        update = {
            "callback_query": {
                "id": query_id,
                "from": user.to_dict(),
                "message": message.message,
                "chat_instance": f"ci{message.chat_id}",
                "data": data,
            }
        }
        await self.inject_update(update, token=message.token)
        return query_id

    async def send_inline_query(
        self,
        query: str,
        *,
        user: User | None = None,
        offset: str = "",
        chat_type: str | None = "sender",
        token: str | None = None,
    ) -> str:
        """A user types ``@bot query``; returns the inline query id."""
        query_id = f"iq-{next(_ids)}"
        inline: JSONDict = {
            "id": query_id,
            "from": (user or DEFAULT_USER).to_dict(),
            "query": query,
            "offset": offset,
        }
        if chat_type:
            inline["chat_type"] = chat_type
        await self.inject_update({"inline_query": inline}, token=token)
        return query_id

    async def edit_user_message(
        self,
        message: JSONDict,
        new_text: str,
        *,
        entities: list[JSONDict] | None = None,
        token: str | None = None,
    ) -> JSONDict:
        """The user edits a message they sent earlier (as returned by :meth:`send_text`)."""
        edited = {k: v for k, v in message.items() if k not in ("text", "entities")}
        edited["text"] = new_text
        found = detect_entities(new_text) if entities is None else entities
        if found:
            edited["entities"] = found
        edited["edit_date"] = max(int(time.time()), int(message.get("date", 0)))
        update = await self.inject_update({"edited_message": edited}, token=token)
        result: JSONDict = update["edited_message"]
        return result

    async def send_sticker(
        self,
        *,
        emoji: str = "👍",
        user: User | None = None,
        chat: Chat | None = None,
        token: str | None = None,
    ) -> JSONDict:
        n = next(_ids)
        sticker = {
            "file_id": f"sticker-{n}",
            "file_unique_id": f"su-{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        message = self._message(user or DEFAULT_USER, chat, {"sticker": sticker})
        return await self._send_message(message, token)

    async def send_photo(
        self,
        *,
        caption: str | None = None,
        user: User | None = None,
        chat: Chat | None = None,
        token: str | None = None,
    ) -> JSONDict:
        n = next(_ids)
        sizes = [
            {
                "file_id": f"photo-{n}-{w}",
                "file_unique_id": f"pu-{n}-{w}",
                "width": w,
                "height": w * 3 // 4,
            }
            for w in (90, 320, 800)
        ]
        extra: JSONDict = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
            if found := detect_entities(caption):
                extra["caption_entities"] = found
        message = self._message(user or DEFAULT_USER, chat, extra)
        return await self._send_message(message, token)

    def _message(self, user: User | None, chat: Chat | None, extra: JSONDict) -> JSONDict:
        user = user or DEFAULT_USER
        return {"from": user.to_dict(), "chat": (chat or Chat.private(user)).to_dict(), **extra}

    async def _send_message(self, message: JSONDict, token: str | None) -> JSONDict:
        update = await self.inject_update({"message": message}, token=token)
        result: JSONDict = update["message"]
        return result

    # ------------------------------------------------------------ reading what the bot did
    def _clear_mirror(self, seq: int) -> None:
        self._after = seq
        self._log: list[BotRequest] = []
        self._sent: dict[tuple[str, int, int], SentMessage] = {}
        self._by_chat: dict[int, list[SentMessage]] = {}

    async def refresh(self, wait: float = 0.0) -> bool:
        """Fetch new log entries; with ``wait`` > 0 block up to that long until there are
        some. Returns whether anything new arrived."""
        result = await self._control(
            "log", params={"after": self._after, "timeout": wait}, timeout=wait + 10.0
        )
        entries = result["entries"]
        for raw in entries:
            self._ingest(BotRequest.from_json(raw))
        self._after = max(self._after, int(result["seq"]))
        return bool(entries)

    def _ingest(self, req: BotRequest) -> None:
        self._log.append(req)
        if req.kind != "bot_api" or not req.ok or req.token is None:
            return
        result = req.result
        if req.method in SEND_METHODS and isinstance(result, dict):
            msg = SentMessage(
                req.token, int(result["chat"]["id"]), int(result["message_id"]), req, result
            )
            self._sent[(req.token, msg.chat_id, msg.message_id)] = msg
            self._by_chat.setdefault(msg.chat_id, []).append(msg)
        elif req.method in EDIT_METHODS or req.method == "deleteMessage":
            found = self._sent.get(
                (req.token, _int(req.params.get("chat_id")), _int(req.params.get("message_id")))
            )
            if found is None:
                return
            if req.method == "deleteMessage":
                found.deleted = True
            else:
                found.edits.append(req)
                if isinstance(result, dict):
                    found.message = result

    def requests(
        self, method: str | None = None, *, token: str | None = None, kind: str = "bot_api"
    ) -> list[BotRequest]:
        """Recorded requests (``kind="webhook"`` for webhook deliveries, ``None`` for all)."""
        return [
            r
            for r in self._log
            if (kind is None or r.kind == kind)
            and (method is None or r.method == method)
            and (token is None or r.token == token)
        ]

    def sent_messages(
        self, chat_id: int | None = None, *, token: str | None = None, include_deleted: bool = False
    ) -> list[SentMessage]:
        """Messages the bot sent (to ``chat_id``), in order, with their edits applied."""
        pool = self._by_chat.get(chat_id, []) if chat_id is not None else list(self._sent.values())
        return [
            m
            for m in pool
            if (include_deleted or not m.deleted) and (token is None or m.token == token)
        ]

    def edits(self, chat_id: int | None = None) -> list[BotRequest]:
        """Successful ``editMessage*`` requests (to ``chat_id``)."""
        return [
            r
            for r in self._log
            if r.method in EDIT_METHODS
            and r.ok
            and (chat_id is None or _int(r.params.get("chat_id")) == chat_id)
        ]

    def callback_answers(self, callback_query_id: str | None = None) -> list[JSONDict]:
        """Params of successful ``answerCallbackQuery`` calls (``text``, ``show_alert``, ...)."""
        return [
            r.params
            for r in self.requests("answerCallbackQuery")
            if r.ok
            and (
                callback_query_id is None or r.params.get("callback_query_id") == callback_query_id
            )
        ]

    def inline_answers(self, inline_query_id: str | None = None) -> list[JSONDict]:
        """Params of successful ``answerInlineQuery`` calls (``results`` decoded)."""
        return [
            r.params
            for r in self.requests("answerInlineQuery")
            if r.ok
            and (inline_query_id is None or r.params.get("inline_query_id") == inline_query_id)
        ]

    def commands_set(self) -> list[JSONDict]:
        """Params of successful ``setMyCommands`` calls (``commands``, ``scope``, ...)."""
        return [r.params for r in self.requests("setMyCommands") if r.ok]

    def chat_actions(self, chat_id: int | None = None) -> list[str]:
        return [
            str(r.params.get("action"))
            for r in self.requests("sendChatAction")
            if r.ok and (chat_id is None or _int(r.params.get("chat_id")) == chat_id)
        ]

    def outgoing_texts(self) -> list[tuple[str, str, str | None]]:
        """``(method, text, parse_mode)`` of every text or caption the bot tried to send or
        edit in (successful or not): feed these to an HTML/length checker."""
        out: list[tuple[str, str, str | None]] = []
        for r in self.requests():
            sources = [r.params] if r.method != "answerCallbackQuery" else []
            if r.method == "answerInlineQuery" and isinstance(r.params.get("results"), list):
                for result in r.params["results"]:
                    sources += [result, result.get("input_message_content") or {}]
            for source in sources:
                for name in ("text", "message_text", "caption"):
                    if isinstance(source.get(name), str):
                        out.append((r.method, source[name], source.get("parse_mode")))
        return out

    # ------------------------------------------------------------ waiting
    async def wait_for(
        self, predicate: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Refresh until ``predicate()`` is truthy and return its value. The emulator is
        long-polled, so this wakes as soon as the bot makes a request: no fixed sleeps."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()  # the mirror only grows, so a hit on it stands
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [f"{r.method}({r.status})" for r in self._log[-15:]]
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; last requests: {recent}"
                )
            await self.refresh(wait=min(remaining, 2.0))

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, *, timeout: float = 5.0, token: str | None = None
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id``; return all."""
        return await self.wait_for(
            lambda: (
                msgs if len(msgs := self.sent_messages(chat_id, token=token)) >= count else None
            ),
            timeout=timeout,
            what=f"{count} message(s) to chat {chat_id}",
        )

    async def wait_for_requests(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = 5.0,
        where: Callable[[BotRequest], bool] | None = None,
        token: str | None = None,
    ) -> list[BotRequest]:
        """Wait for at least ``count`` ``method`` requests (matching ``where``); return them."""

        def matching() -> list[BotRequest] | None:
            found = [r for r in self.requests(method, token=token) if where is None or where(r)]
            return found if len(found) >= count else None

        return await self.wait_for(matching, timeout=timeout, what=f"{count} {method} request(s)")

    async def wait_for_edit(
        self, message: SentMessage, count: int = 1, *, timeout: float = 5.0
    ) -> SentMessage:
        """Wait until ``message`` has been edited ``count`` times in all; return it."""
        await self.wait_for(
            lambda: len(message.edits) >= count,
            timeout=timeout,
            what=f"edit of {message.message_id}",
        )
        return message

    async def wait_idle(self, quiet: float = 0.2, *, timeout: float = 10.0) -> None:
        """Wait until the bot has made no request for ``quiet`` seconds (empty long polls
        aside), e.g. before asserting that nothing more was sent."""
        deadline = time.monotonic() + timeout
        while True:
            before = len(self._log)
            await self.refresh(wait=quiet)
            if not any(r.method != "getUpdates" or r.result for r in self._log[before:]):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot still busy after {timeout}s")

    def assert_token_not_leaked(self, token: str | None = None) -> None:
        """No parameter of any recorded request (or webhook body) contains the bot token."""
        secret = token or self.token
        for r in self._log:
            if secret in json.dumps(r.params, ensure_ascii=False):
                raise AssertionError(f"bot token leaked in {r.method} request #{r.seq}")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@contextlib.asynccontextmanager
async def polling(
    app: Application[Any, Any, Any, Any, Any, Any], *, timeout: float = 10.0
) -> AsyncIterator[None]:
    """Run a PTB ``Application`` with long polling for the duration of the block (and its
    ``post_init`` hook, as ``run_polling`` would)."""
    async with app:
        assert app.updater is not None, "build the Application with an Updater"
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(timeout=dt.timedelta(seconds=timeout), poll_interval=0.0)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()
