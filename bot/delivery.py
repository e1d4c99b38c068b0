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
import json
import logging
import signal
import warnings
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeGuard, TypeVar

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

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
) -> None:
    """Run the bot, with long polling or a webhook server, until `stopping` is set (by default,
    until SIGINT or SIGTERM)."""
    inbox = Inbox(application)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if stopping is None else ()
    stopping = stopping or asyncio.Event()
    for sig in signals:
        loop.add_signal_handler(sig, stopping.set)
    try:
        # getMe first, which the rate limiter retries while the Bot API cannot be reached.
        if await _unless(stopping, application.initialize()) is None:
            return
        try:
            await _run(application, inbox, stopping, webhook)
        finally:
            await application.shutdown()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        if application.post_shutdown:
            await application.post_shutdown(application)


async def _run(
    application: AnyApplication, inbox: Inbox, stopping: asyncio.Event, webhook: Webhook | None
) -> None:
    if application.post_init:
        await application.post_init(application)
    await application.start()
    try:
        if webhook is not None:
            await _serve_webhook(inbox, stopping, webhook)
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


async def _serve_webhook(inbox: Inbox, stopping: asyncio.Event, webhook: Webhook) -> None:
    """Register the webhook, then serve it until `stopping` is set."""
    routes = [(webhook.path, WebhookHandler, {"inbox": inbox, "secret": webhook.secret})]
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application(routes), max_body_size=WEBHOOK_BODY
    )
    try:
        server.listen(webhook.port, address=webhook.listen)
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
        server.stop()  # no new requests; those under way get their answers while draining
        await inbox.drain(STOP_GRACE)
        await server.close_all_connections()


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
            self._answered[update.update_id] = None
            if len(self._answered) > REMEMBERED:
                self._answered.popitem(last=False)
        finally:
            del self.pending[update.update_id]
            self._progress.set()

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
        new = [inbox.receive(Update.de_json(u, bot)) for u in raw if inbox.unseen(u["update_id"])]
        if not new:
            await _next_poll(inbox, started, [u["update_id"] for u in raw])


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
            if not _is_update(data):
                raise ValueError("not an update")
            update = Update.de_json(data, self.inbox.application.bot)
        except Exception as exc:  # anything a stranger with the secret could post
            log.warning("webhook: not an update (%s)", type(exc).__name__)
            raise tornado.web.HTTPError(400) from None
        if (task := self.inbox.receive(update)) is not None:
            await asyncio.wait([task], timeout=WEBHOOK_WAIT)
            if task.cancelled():  # stopping: Telegram sends it again after the restart
                raise tornado.web.HTTPError(503)
        self.set_status(200)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(f"{status_code}\n")

    def log_exception(self, *args: Any) -> None:
        """Quiet: a refused request is no error of the bot's."""
