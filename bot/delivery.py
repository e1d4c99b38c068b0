"""Delivery that loses no question: an update is confirmed to Telegram only once answered.

Telegram keeps an update until it is confirmed, for 24 hours: by a later getUpdates whose
offset is past it, or by a 200 to the webhook request that carried it. So the bot feeds
python-telegram-bot's Application itself (it runs without an Updater) and confirms only what
has been handled: a crash at any moment leaves every unanswered update with Telegram, which
hands it out again after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import resource
import signal
import socket
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeGuard, TypeVar, cast

import tornado.httpserver
import tornado.httputil
import tornado.iostream
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning
from tornado.http1connection import HTTP1ServerConnection

from bot import health
from bot.retry import PatientRateLimiter
from index.text import encodable

log = logging.getLogger(__name__)
# poll() asks for getUpdates as JSON on purpose (see there), which PTB warns about.
warnings.filterwarnings("ignore", "Please use 'Bot.getUpdates'", PTBUserWarning)
T = TypeVar("T")

# Updates fetched ahead of the oldest one still being answered, at most (Telegram hands out
# at most 100 at a time). After a crash, those already answered may be answered again.
BACKLOG = 100
# Update ids remembered as answered, so that an update delivered again is answered once.
REMEMBERED = 10_000
LONG_POLL = 10.0  # seconds a getUpdates waits for news, when nothing is being answered
READ_TIMEOUT = 5.0  # beyond that, for its answer (python-telegram-bot's default)
# With unanswered updates held back, getUpdates returns at once with them (each poll hands out
# up to BACKLOG of them again: asked after every answer, that cost a hybrid burst half its
# answers a second). It is asked again once the oldest is answered, at most every
# REFETCH_MIN, and at least every REFETCH to see new ones; when it held a full backlog, once
# a quarter of that has been answered (before, no new update could come with it).
REFETCH = 0.5
REFETCH_MIN = 0.1
# What a webhook request may weigh: an update is a few kilobytes (a 4,096-character message,
# the one it replies to, their entities).
WEBHOOK_BODY = 256 * 1024
# A webhook request is answered when its update is handled, or after this long anyway.
WEBHOOK_WAIT = 30.0
# Seconds a webhook connection may take to send a request's headers (or stay idle between
# requests), and then its body: Telegram sends both at once (tornado's default is an hour).
WEBHOOK_TIMEOUT = 5.0
# The most webhook connections open at once, whatever the file limit (Telegram opens up to
# 100; see connection_limit).
WEBHOOK_CONNECTIONS = 4096
# Connections the kernel holds for the server to accept (tornado's default is 128): a burst
# of slow clients past it would make Telegram's connection wait a second for its retry.
BACKLOG_QUEUE = 1024
# A repeated warning about the webhook's connections is logged at most this often.
WARN_EVERY = 60.0
# On SIGTERM, the updates being answered have this long to finish; the rest stay with
# Telegram (a supervisor's stop timeout is 10 s: Docker's, systemd's is longer).
STOP_GRACE = 6.0

AnyApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


class StartupError(Exception):
    """The bot cannot start as configured: one line for the operator (never the token)."""


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates (url) and where the bot's server listens for them."""

    url: str
    secret: str
    listen: str
    port: int
    path: str = "/telegram"


async def serve(
    application: AnyApplication,
    webhook: Webhook | None = None,
    stopping: asyncio.Event | None = None,
    status: Path | None = None,
    reload: Callable[[], object] | None = None,
) -> None:
    """Run the bot, with long polling or a webhook server, until `stopping` is set (by default,
    until SIGINT or SIGTERM); its health is written to `status` meanwhile, if given, and
    `reload` is called on SIGHUP, if given."""
    inbox = Inbox(application)
    monitor = Monitor(inbox, "polling" if webhook is None else "webhook", status)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if stopping is None else ()
    stopping = stopping or asyncio.Event()
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    if reload is not None and hasattr(signal, "SIGHUP"):  # (not on Windows)
        loop.add_signal_handler(signal.SIGHUP, reload)
        # One that came while the bot started (held by main()) is answered now.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
    watching = asyncio.create_task(monitor.run(stopping))
    try:
        # getMe first, which the rate limiter retries while the Bot API cannot be reached.
        if await _unless(stopping, application.initialize()) is None:
            return
        monitor.news()
        try:
            await _run(application, monitor, stopping, webhook)
        finally:
            await application.shutdown()
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        for sig in signals:
            loop.remove_signal_handler(sig)
        if reload is not None and hasattr(signal, "SIGHUP"):  # ignored while stopping
            loop.remove_signal_handler(signal.SIGHUP)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if application.post_shutdown:
            await application.post_shutdown(application)


async def _run(
    application: AnyApplication,
    monitor: Monitor,
    stopping: asyncio.Event,
    webhook: Webhook | None,
) -> None:
    inbox = monitor.inbox
    if application.post_init:
        await application.post_init(application)
    await application.start()
    try:
        if webhook is not None:
            await _serve_webhook(monitor, stopping, webhook)
        elif await _unless(stopping, application.bot.delete_webhook()) is not None:
            await poll(inbox, stopping)
    finally:
        if webhook is None:  # (the webhook server drains before it closes its connections)
            await inbox.drain(STOP_GRACE)
            await confirm(inbox)
        await application.stop()
        if application.post_stop:  # as run_polling does
            await application.post_stop(application)


async def _unless(stopping: asyncio.Event, step: Awaitable[T]) -> asyncio.Future[T] | None:
    """Await `step` unless `stopping` is set first, then cancelled: its future, done (whose
    result() is the step's, or raises its error), or None when it was cancelled."""
    task = asyncio.ensure_future(step)
    stop = asyncio.ensure_future(stopping.wait())
    await asyncio.wait([task, stop], return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if task.done():
        task.result()
        return task
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TelegramError):
        await task
    return None


async def _serve_webhook(monitor: Monitor, stopping: asyncio.Event, webhook: Webhook) -> None:
    """Register the webhook, then serve it until `stopping` is set."""
    inbox = monitor.inbox
    routes: list[Any] = [
        (webhook.path, WebhookHandler, {"inbox": inbox, "secret": webhook.secret}),
        ("/healthz", HealthHandler, {"monitor": monitor}),
    ]
    # No access log: each refused request would be a line (the bot logs what it refuses).
    app = tornado.web.Application(routes, log_function=lambda handler: None)
    server = WebhookServer(
        app,
        max_body_size=WEBHOOK_BODY,
        idle_connection_timeout=WEBHOOK_TIMEOUT,  # (and the headers' timeout)
        body_timeout=WEBHOOK_TIMEOUT,
    )
    try:
        server.open(webhook.port, webhook.listen, connection_limit())
    except OSError as exc:  # in use, or not an address of this machine
        reason = exc.strerror or str(exc)
        where = f"{webhook.listen}:{webhook.port}"
        raise StartupError(f"cannot listen on {where} (--listen, --port): {reason}") from None
    try:
        registered = await _unless(
            stopping,
            inbox.application.bot.set_webhook(
                webhook.url,
                secret_token=webhook.secret,
                allowed_updates=Update.ALL_TYPES,
                max_connections=min(inbox.backlog, 100),
            ),
        )
        if registered is not None:
            log.info("receiving updates at %s", webhook.url)
            await stopping.wait()
    except BadRequest as exc:
        raise StartupError(f"Telegram rejected the webhook: {exc.message}") from None
    finally:
        server.shut()  # no new requests; those under way get their answers while draining
        await inbox.drain(STOP_GRACE)
        await server.close_all_connections()


def connection_limit() -> int:
    """The most webhook connections open at once: half the files the process may still open
    (RLIMIT_NOFILE less those open now), so that its Bot API connections, the log and the
    index always have some; at least 8, at most WEBHOOK_CONNECTIONS."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft = WEBHOOK_CONNECTIONS * 4 if soft == resource.RLIM_INFINITY else soft
    try:
        used = len(os.listdir("/proc/self/fd"))
    except OSError:  # (not Linux)
        used = 64
    return max(8, min(WEBHOOK_CONNECTIONS, (soft - used) // 2))


class Throttled:
    """A warning logged at most once per WARN_EVERY seconds, saying how often it came in
    between: what a flood of connections repeats never floods the log."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.last = -WARN_EVERY
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= WARN_EVERY:
            times = f" ({self.count} times in {WARN_EVERY:.0f} s)" if self.count > 1 else ""
            log.warning(self.message + times, *args)
            self.last, self.count = now, 0


class WebhookServer(tornado.httpserver.HTTPServer):
    """Tornado's HTTP server, which accepts connections itself: at most `limit` are open;
    past it, the one that has waited longest without sending a request is closed (a slow
    client's, never one whose request is being answered), or, if none waits, the new one.
    When the process runs out of file descriptors, it closes the connection idle longest for
    the next, or, if none is idle, pauses accepting for a moment instead of trying again at
    once (tornado's own loop spins and logs each failure)."""

    def open(self, port: int, address: str, limit: int) -> None:
        """Listen on `address`:`port` (OSError if that cannot be done)."""
        self.limit = limit
        self._open: set[tornado.iostream.IOStream] = set()
        # Connections without a request under way, the one waiting longest first.
        self._idle: OrderedDict[tornado.iostream.IOStream, None] = OrderedDict()
        self._full = Throttled("webhook: %d connections open, the most; the idlest closed")
        self._no_files = Throttled("webhook: cannot accept a connection: %s")
        self._listening = tornado.netutil.bind_sockets(port, address, backlog=BACKLOG_QUEUE)
        for sock in self._listening:
            self._resume(sock)

    def shut(self) -> None:
        """Stop listening (the connections open stay open)."""
        loop = asyncio.get_running_loop()
        for sock in self._listening:
            loop.remove_reader(sock.fileno())
            sock.close()
        self._listening = []

    def _resume(self, sock: socket.socket) -> None:
        if sock in self._listening:
            asyncio.get_running_loop().add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(128):  # (then the other callbacks have their turn)
            try:
                connection, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:  # out of file descriptors (EMFILE, ENFILE) or memory
                self._no_files(exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc)))
                if self._close_idlest():  # a descriptor for the next one
                    continue
                loop = asyncio.get_running_loop()
                loop.remove_reader(sock.fileno())
                loop.call_later(0.1, self._resume, sock)
                return
            if len(self._open) >= self.limit:
                self._full(len(self._open))
                if not self._close_idlest():
                    connection.close()
                    continue
            stream = tornado.iostream.IOStream(connection)
            self._open.add(stream)
            self._idle[stream] = None
            self.handle_stream(stream, address)

    def _close_idlest(self) -> bool:
        """Close the connection that has waited longest without a request; False if none."""
        if not self._idle:
            return False
        stream, _ = self._idle.popitem(last=False)
        self._open.discard(stream)
        stream.close()
        return True

    def start_request(
        self, server_conn: object, request_conn: tornado.httputil.HTTPConnection
    ) -> tornado.httputil.HTTPMessageDelegate:
        stream = cast(HTTP1ServerConnection, server_conn).stream
        if stream in self._open:  # (idle until its headers come)
            self._idle[stream] = None
        return _Busy(super().start_request(server_conn, request_conn), self._idle, stream)

    def on_close(self, server_conn: object) -> None:
        stream = cast(HTTP1ServerConnection, server_conn).stream
        self._open.discard(stream)
        self._idle.pop(stream, None)
        super().on_close(server_conn)


class _Busy(tornado.httputil.HTTPMessageDelegate):
    """A request's delegate, which takes its connection off the idle ones once its headers
    have come."""

    def __init__(
        self,
        delegate: tornado.httputil.HTTPMessageDelegate,
        idle: OrderedDict[tornado.iostream.IOStream, None],
        stream: tornado.iostream.IOStream,
    ) -> None:
        self.delegate, self.idle, self.stream = delegate, idle, stream

    def headers_received(
        self,
        start_line: tornado.httputil.RequestStartLine | tornado.httputil.ResponseStartLine,
        headers: tornado.httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        self.idle.pop(self.stream, None)
        return self.delegate.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return self.delegate.data_received(chunk)

    def finish(self) -> None:
        self.delegate.finish()

    def on_connection_close(self) -> None:
        self.delegate.on_connection_close()


class Inbox:
    """The updates being answered and those answered lately: each is handled once a process,
    and the oldest unanswered one is where the polling offset stays."""

    def __init__(self, application: AnyApplication, backlog: int = BACKLOG) -> None:
        self.application = application
        self.backlog = backlog
        self.pending: dict[int, asyncio.Task[None]] = {}
        self._answered: OrderedDict[int, None] = OrderedDict()
        self._abandoned: set[int] = set()  # cancelled while stopping, never answered
        self._newest: int | None = None
        self._progress = asyncio.Event()
        self._since: dict[int, float] = {}  # when each update being answered came
        self.answered = 0

    def unseen(self, uid: int) -> bool:
        """Whether the update `uid` is neither being answered nor answered already."""
        return uid not in self.pending and uid not in self._answered

    def receive(self, update: Update) -> asyncio.Task[None] | None:
        """Start handling `update`; returns its task (the one already running for an update
        delivered again), or None when it was answered already."""
        uid = update.update_id
        if uid in self.pending:
            return self.pending[uid]
        if not self.unseen(uid):
            log.debug("update %d was answered already", uid)
            return None
        self._newest = uid if self._newest is None else max(self._newest, uid)
        self._since[uid] = time.time()
        task = self.pending[uid] = asyncio.create_task(self._handle(update), name=f"update {uid}")
        return task

    async def _handle(self, update: Update) -> None:
        app = self.application
        try:
            await app.update_processor.process_update(update, app.process_update(update))
        except asyncio.CancelledError:  # stopping: it stays with Telegram
            self._abandoned.add(update.update_id)
            raise
        else:
            self._remember(update.update_id)
            self.answered += 1
        finally:
            del self.pending[update.update_id]
            del self._since[update.update_id]
            self._progress.set()

    def pass_over(self, uid: int) -> None:
        """Count the update `uid` as answered, without handling it."""
        self._newest = uid if self._newest is None else max(self._newest, uid)
        self._remember(uid)

    def _remember(self, uid: int) -> None:
        self._answered[uid] = None
        if len(self._answered) > REMEMBERED:
            self._answered.popitem(last=False)

    @property
    def waiting_since(self) -> float | None:
        """When the oldest update being answered came (a Unix time), if any is."""
        return min(self._since.values(), default=None)

    @property
    def offset(self) -> int | None:
        """The getUpdates offset that confirms exactly what has been answered."""
        if self.pending or self._abandoned:
            return min(self._abandoned.union(self.pending))
        return None if self._newest is None else self._newest + 1

    async def progress(self, timeout: float) -> None:
        """Wait until an update is answered, or `timeout` seconds."""
        self._progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout)

    async def drain(self, grace: float) -> None:
        """Let the updates being answered finish for up to `grace` seconds, then cancel the
        rest (they stay unconfirmed)."""
        if not self.pending:
            return
        _, late = await asyncio.wait(list(self.pending.values()), timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        if late:
            log.info("stopping: %d updates left unanswered, for after a restart", len(late))


class Monitor:
    """The bot's health (bot.health) from the state of the process: written to `path` every
    STATUS_EVERY seconds while it runs (and removed when it stops), and read by /healthz."""

    def __init__(self, inbox: Inbox, mode: str, path: Path | None) -> None:
        self.inbox, self.mode, self.path = inbox, mode, path
        self.started = time.time()
        self._unwritable = Throttled("cannot write the status file %s: %s")
        self._news = asyncio.Event()
        # A write still running in its thread when the bot stops must not bring the file back
        # after it is removed: both take this lock, and nothing is written once it is removed.
        self._file = threading.Lock()
        self._removed = False

    def news(self) -> None:
        """Write the status now (the bot has connected)."""
        self._news.set()

    def status(self) -> health.Status:
        limiter = self.inbox.application.bot.rate_limiter
        contact = limiter.contact if isinstance(limiter, PatientRateLimiter) else None
        return health.Status(
            os.getpid(),
            self.mode,
            self.started,
            time.time(),
            contact,
            self.inbox.waiting_since,
            self.inbox.answered,
        )

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                status = self.status()
                if self.mode == "webhook" and self._out_of_touch(status):
                    with contextlib.suppress(TelegramError, TimeoutError):
                        bot = self.inbox.application.bot
                        await asyncio.wait_for(bot.get_webhook_info(), health.STATUS_EVERY)
                    status = self.status()
                if self.path is not None:
                    try:
                        await asyncio.to_thread(self._write, self.path, status)
                    except OSError as exc:
                        self._unwritable(self.path, exc.strerror or exc)
                self._news.clear()
                waits = [asyncio.ensure_future(e.wait()) for e in (stopping, self._news)]
                await asyncio.wait(
                    waits, timeout=health.STATUS_EVERY, return_when=asyncio.FIRST_COMPLETED
                )
                for waiting in waits:
                    waiting.cancel()
        finally:
            if self.path is not None:
                # Handed to a thread at once (to_thread would wait for its task's first step,
                # which a cancelled task at the loop's close never takes), and waited for.
                removing = asyncio.get_running_loop().run_in_executor(None, self._remove, self.path)
                await asyncio.shield(removing)

    def _write(self, path: Path, status: health.Status) -> None:
        with self._file:
            if not self._removed:
                health.write(path, status)

    def _remove(self, path: Path) -> None:
        with self._file:
            self._removed = True
            health.remove(path)

    @staticmethod
    def _out_of_touch(status: health.Status) -> bool:
        """Whether the Bot API, reached at start-up, has not answered for ASK_EVERY."""
        return status.contact is not None and status.written - status.contact > health.ASK_EVERY


async def poll(inbox: Inbox, stopping: asyncio.Event) -> None:
    """Long polling that confirms only what is answered, with at most `inbox.backlog` updates
    fetched ahead of the oldest unanswered one; returns once `stopping` is set."""
    bot = inbox.application.bot
    pause = 1.0
    loop = asyncio.get_running_loop()
    while not stopping.is_set():
        started = loop.time()
        wait = 0.0 if inbox.pending else LONG_POLL
        # As JSON: only the updates not seen yet are parsed into Updates (get_updates would
        # parse the whole backlog that each poll hands out again).
        fetch = bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": inbox.offset,
                "limit": inbox.backlog,
                "timeout": wait,
                "allowed_updates": list(Update.ALL_TYPES),
            },
            read_timeout=wait + READ_TIMEOUT,
        )
        try:
            fetched = await _unless(stopping, fetch)
            if fetched is None:  # stopping: what this poll would bring stays with Telegram
                return
            result = fetched.result()
            raw = [u for u in (result if isinstance(result, list) else []) if _is_update(u)]
        except InvalidToken:
            raise
        except TelegramError as exc:
            log.warning("getUpdates failed (%s); trying again in %.0f s", exc, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), pause)
            pause = min(pause * 2, 30.0)
            continue
        pause = 1.0
        new = [inbox.receive(update) for u in raw if (update := _readable(inbox, u))]
        if not new:
            await _next_poll(inbox, started, [u["update_id"] for u in raw])


def _readable(inbox: Inbox, data: dict[str, Any]) -> Update | None:
    """The update in `data` if it is new and readable; one that is not is passed over (and
    confirmed with the answered ones) with a warning."""
    if not inbox.unseen(data["update_id"]):
        return None
    try:
        return parse_update(data, inbox.application.bot)
    except InvalidUpdate as exc:
        log.warning("update %d passed over: %s", data["update_id"], exc)
        inbox.pass_over(data["update_id"])
        return None


async def _next_poll(inbox: Inbox, started: float, fetched: list[int]) -> None:
    """Wait, after a poll that brought nothing new, until the next one is worth it: at once
    when nothing is left to answer (a long poll then waits for news); once the oldest update
    has been answered (REFETCH_MIN after the last poll at the soonest), or, when the poll
    filled the backlog, once a quarter of it has been answered; else after REFETCH."""
    loop = asyncio.get_running_loop()
    head, deadline = inbox.offset, started + REFETCH
    full = len(fetched) >= inbox.backlog
    while inbox.pending and ((now := loop.time()) < deadline or full):
        offset = inbox.offset or 0
        if full and sum(uid < offset for uid in fetched) >= inbox.backlog // 4:
            return
        if not full and offset != head and now >= started + REFETCH_MIN:
            return
        wait = deadline if offset == head or full else started + REFETCH_MIN
        await inbox.progress(max(wait - now, REFETCH_MIN))


def _is_update(data: object) -> TypeGuard[dict[str, Any]]:
    """Whether JSON from Telegram (or a stranger) is shaped like an update: an update_id."""
    return isinstance(data, dict) and type(data.get("update_id")) is int


class InvalidUpdate(ValueError):
    """JSON with an update_id that is no update the bot can read: what is wrong, in a few
    words (never the JSON itself)."""


# What the handlers read of an update, and the JSON types it must have: a key with "?" may be
# missing (or null). Anything else an update holds is left to python-telegram-bot.
_Shape: TypeAlias = dict[str, Any]
_USER: _Shape = {"id": int, "is_bot": bool, "first_name": str, "username?": str}
_CHAT: _Shape = {"id": int, "type": str}
_ENTITY: _Shape = {"type": str, "offset": int, "length": int}
_MESSAGE: _Shape = {
    "message_id": int,
    "date": int,
    "chat": _CHAT,
    "from?": _USER,
    "text?": str,
    "caption?": str,
    "entities?": [_ENTITY],
    "caption_entities?": [_ENTITY],
}
_MESSAGE["reply_to_message?"] = _MESSAGE
_UPDATE: _Shape = {
    "update_id": int,
    "message?": _MESSAGE,
    "edited_message?": _MESSAGE,
    "channel_post?": _MESSAGE,
    "edited_channel_post?": _MESSAGE,
    "callback_query?": {
        "id": str,
        "from": _USER,
        "chat_instance": str,
        "data?": str,
        "message?": {"message_id": int, "date": int, "chat": _CHAT},
        "inline_message_id?": str,
    },
    "inline_query?": {"id": str, "from": _USER, "query": str, "offset": str},
}


def _check(data: object, shape: object, where: str) -> None:
    """Raise InvalidUpdate unless `data` has `shape`: a JSON type, a list of one shape, or a
    dict of keys to shapes."""
    if isinstance(shape, dict):
        if not isinstance(data, dict):
            raise InvalidUpdate(f"{where} is not an object")
        for key, inner in shape.items():
            name = key.rstrip("?")
            if data.get(name) is None and key.endswith("?"):
                continue
            _check(data.get(name), inner, f"{where}.{name}")
    elif isinstance(shape, list):
        if not isinstance(data, list):
            raise InvalidUpdate(f"{where} is not a list")
        for item in data:
            _check(item, shape[0], f"{where}[]")
    elif type(data) is not shape:  # (so True is no message_id)
        raise InvalidUpdate(f"{where} is not {_JSON_TYPES[shape]}")


_JSON_TYPES: dict[object, str] = {int: "an integer", str: "a string", bool: "true or false"}


def _encodable(data: Any) -> Any:
    """JSON with every string encodable (index.text.encodable)."""
    if isinstance(data, str):
        return encodable(data)
    if isinstance(data, dict):
        return {encodable(k): _encodable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_encodable(v) for v in data]
    return data


def parse_update(data: object, bot: Any) -> Update:
    """The Update in JSON from Telegram (or from a stranger with the webhook's secret);
    InvalidUpdate when it is none the handlers could read."""
    _check(data, _UPDATE, "update")
    try:
        return Update.de_json(_encodable(data), bot)
    except Exception as exc:  # any other field python-telegram-bot cannot read
        raise InvalidUpdate(f"unreadable ({type(exc).__name__})") from None


async def confirm(inbox: Inbox) -> None:
    """Tell Telegram what has been answered (a getUpdates with the offset past it), so that a
    restart does not answer it again."""
    if inbox.offset is None:
        return
    try:
        await inbox.application.bot.get_updates(offset=inbox.offset, limit=1, timeout=0)
    except TelegramError as exc:  # the updates come again after the restart
        log.warning("could not confirm the answered updates: %s", exc)


@tornado.web.stream_request_body
class WebhookHandler(tornado.web.RequestHandler):
    """Telegram's webhook requests: the secret and the size are checked before the body is
    read; 200 once the update is handled, so one the process did not answer comes again."""

    def initialize(self, inbox: Inbox, secret: str) -> None:
        self.inbox = inbox
        self.secret = secret

    def prepare(self) -> None:
        if self.request.headers.get("X-Telegram-Bot-Api-Secret-Token") != self.secret:
            raise tornado.web.HTTPError(403)
        length = self.request.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > WEBHOOK_BODY:
            raise tornado.web.HTTPError(413 if length.isdigit() else 411)
        self.request.connection.set_max_body_size(WEBHOOK_BODY)  # type: ignore[union-attr]
        self.body: list[bytes] = []

    def data_received(self, chunk: bytes) -> None:
        self.body.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.body))
            update = parse_update(data, self.inbox.application.bot)
        except InvalidUpdate as exc:
            log.warning("webhook: not an update (%s)", exc)
            raise tornado.web.HTTPError(400) from None
        except ValueError:  # (UnicodeDecodeError too)
            log.warning("webhook: not an update (not JSON)")
            raise tornado.web.HTTPError(400) from None
        if (task := self.inbox.receive(update)) is not None:
            await asyncio.wait([task], timeout=WEBHOOK_WAIT)
            if task.cancelled():  # stopping: Telegram sends it again after the restart
                raise tornado.web.HTTPError(503)
        self.set_status(200)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # The connection closes after a refusal (its body may be unread): said, so that a
        # client does not send its next request on it.
        self.set_header("Connection", "close")
        self.finish(f"{status_code}\n")

    def log_exception(self, *args: Any) -> None:
        """Quiet: a refused request is no error of the bot's."""


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 and "ok: …" while the bot is connected and answering, else 503 and
    why (bot.health.verdict), from the process's own state."""

    def initialize(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def get(self) -> None:
        healthy, line = health.verdict(self.monitor.status(), time.time())
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(line + "\n")
