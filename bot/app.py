"""The Telegram application: build_application() wires the handlers; main() runs it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import IO
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import handlers, messages
from bot.delivery import BACKLOG, StartupError, Webhook, serve
from bot.questionlog import question_log
from bot.quota import Quota
from bot.reload import Reloads, renew_memory
from bot.retry import FLOOD_RETRIES, READ_TIMEOUT, PatientRateLimiter
from bot.session import SECTION_SHORTCUT, Session
from bot.settings import Settings, SettingsError
from bot.turns import FairTurns
from index.about import About, load_about
from index.article import ArticleError
from index.cache import load_retriever
from index.memory import MemoryFileError
from index.search import Retriever
from index.text import shorten

log = logging.getLogger(__name__)
TAG = r"(~[est])?"  # a button's language (bot.language)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

LOG_STOP = 1.0  # seconds the question log's queue gets after the drain (STOP_GRACE)
QUEUED = 3  # a user's questions past the quota that wait for room rather than get a notice
# The menus' and descriptions' languages, as Telegram's language_code names them (None: the
# default, for any other client): the Bot API takes one two-letter "zh", given the simplified
# script (most Chinese readers'; a traditional reader's messages and /language still get
# traditional Chinese).
MENU_LANGUAGES = ((None, "ja"), ("ja", "ja"), ("en", "en"), ("zh", "zh-hans"))
DESCRIPTION_LIMIT, SHORT_DESCRIPTION_LIMIT = 512, 120


def commands(language: str, group: bool = False) -> list[BotCommand]:
    return [BotCommand(name, text) for name, text in messages.commands(language, group)]


async def set_up_menus(bot: Bot, about: About) -> None:
    """The command menus, for each language and for private chats, groups and the default,
    and what an empty chat and the bot's profile say, for each language. A call that fails is
    counted in one warning: the bot answers all the same."""
    scopes: tuple[tuple[BotCommandScope | None, bool], ...] = (
        (None, False),
        (BotCommandScopeAllPrivateChats(), False),
        (BotCommandScopeAllGroupChats(), True),
    )
    calls: list[Callable[[], Awaitable[bool]]] = []
    for code, language in MENU_LANGUAGES:
        for scope, group in scopes:
            menu = commands(language, group)
            calls.append(partial(bot.set_my_commands, menu, scope=scope, language_code=code))
        long = messages.said(messages.DESCRIPTION, language).format(title=about.title)
        short = messages.said(messages.SHORT_DESCRIPTION, language)
        long, short = shorten(long, DESCRIPTION_LIMIT), shorten(short, SHORT_DESCRIPTION_LIMIT)
        calls.append(partial(bot.set_my_description, long, language_code=code))
        calls.append(partial(bot.set_my_short_description, short, language_code=code))
    failed: list[BaseException] = []
    for call in calls:  # one after another: the rate limiter paces them
        try:
            await call()
        except TelegramError as exc:
            failed.append(exc)
    if failed:
        log.warning(
            "could not set %d of the %d command menus and descriptions (the bot answers all the"
            " same): %s",
            len(failed),
            len(calls),
            failed[0],
        )


class RedactToken(logging.Filter):
    """Replace the token wherever it would appear in a log line (PTB logs its API URL at
    DEBUG, and httpx logs request URLs, which hold the token, at INFO)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken):
            record.exc_info = None  # main() reports it in one line
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_info, record.exc_text = None, text.replace(self.token, "<token>")
        return True


def configure_logging(token: str, verbose: bool = False, stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    host = urlsplit(application.bot.base_url).netloc  # (the path holds the token)
    log.info("connected to the Bot API at %s as @%s", host, application.bot.username)
    # In the background: the bot answers from the start, whatever becomes of the menus.
    task = asyncio.create_task(set_up_menus(application.bot, application.bot_data.session.about))
    tasks = application.bot_data.tasks
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _post_stop(application: Application) -> None:  # type: ignore[type-arg]
    """Give up setting the menus, if it is not done yet (the next start sets them), and the
    questions still waiting for room in their user's quota."""
    tasks = list(application.bot_data.tasks)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    application.bot_data.retrieval.shutdown()
    if application.bot_data.log is not None:  # what is still queued: what is left of ~7 s
        await asyncio.to_thread(application.bot_data.log.close, LOG_STOP)


def build_application(
    settings: Settings, retriever: Retriever, about: About | None = None
) -> Application:  # type: ignore[type-arg]
    """The bot, ready to run: handlers, rate limiter and settings, not yet started."""
    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                allow_sending_without_reply=True,  # a question deleted before its answer
            )
        )
        .rate_limiter(
            PatientRateLimiter(
                host=settings.host,
                overall_max_rate=settings.max_rate,
                max_retries=FLOOD_RETRIES,
            )
        )
        .read_timeout(READ_TIMEOUT)
        .updater(None)  # bot.delivery fetches updates, and confirms them once answered
        # Every update of the backlog is handled at once: retrieval takes turns by user in
        # FairTurns, so a user's backlog never holds up another's question.
        .concurrent_updates(BACKLOG)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    # PTB makes bot_data with no arguments (a dict by default); ours needs the retriever, so
    # it is built whole here and set in its place, as PTB's persistence sets a loaded one.
    application.bot_data = handlers.BotData(
        session=Session(retriever, about),
        allowed_chat_ids=settings.allowed_chat_ids,
        questions=Quota(settings.question_limit, settings.question_window, queue=QUEUED),
        browsing=Quota(settings.browse_limit, settings.question_window),
        inline=Quota(settings.inline_limit, settings.question_window),
        retrieval=FairTurns(retriever.prepare),
        log=question_log(settings),
    )

    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND
    new = filters.UpdateType.MESSAGE
    edited = filters.UpdateType.EDITED_MESSAGE
    addressed = private | (groups & handlers.AddressedToBot())
    section_ref = filters.Regex(SECTION_SHORTCUT)
    ours = ~handlers.ForAnotherBot()  # (python-telegram-bot's CommandHandler ignores the rest)
    asks = (text & addressed & ~section_ref) | (filters.Regex(r"^/ask(@\w+)?(\s|$)") & ours)

    application.add_handler(TypeHandler(Update, handlers.guard), group=-2)
    # Each kind of request counts against its own quota; group chatter counts for nothing.
    application.add_handlers(
        [
            MessageHandler(asks, handlers.count_question),
            MessageHandler(
                (private & ~asks) | (groups & filters.COMMAND & ours & ~asks),
                handlers.count_browsing,
            ),
            CallbackQueryHandler(handlers.count_browsing),
            InlineQueryHandler(handlers.count_inline),
        ],
        group=-1,
    )
    application.add_handlers(
        [
            CommandHandler("start", handlers.start),
            CommandHandler("help", handlers.help_command),
            CommandHandler("language", handlers.language_command),
            CommandHandler("ask", handlers.ask_command),
            CommandHandler("section", handlers.section_command),
            CommandHandler("sections", handlers.sections_command),
            CommandHandler("privacy", handlers.privacy_command),
            CommandHandler("forget", handlers.forget_command),
            MessageHandler(private & text & section_ref, handlers.section_shortcut),
            # An edited question is answered again, in place of the earlier answer.
            MessageHandler((new | edited) & text & addressed, handlers.ask_text),
            MessageHandler(private & new & filters.COMMAND, handlers.unknown_command),
            MessageHandler(private & new & ~filters.TEXT, handlers.not_text),
            CallbackQueryHandler(
                handlers.section_button, pattern=rf"^[sn]:\d{{1,3}}:\d{{1,3}}{TAG}$"
            ),
            CallbackQueryHandler(handlers.list_button, pattern=rf"^l{TAG}$"),
            CallbackQueryHandler(handlers.more_button, pattern=r"^m:"),
            CallbackQueryHandler(
                handlers.vote_button, pattern=rf"^v:[+-]:[A-Za-z0-9]{{1,40}}{TAG}$"
            ),
            CallbackQueryHandler(handlers.example_button, pattern=rf"^q:\d{{1,2}}{TAG}$"),
            CallbackQueryHandler(handlers.language_button, pattern=r"^g:(ja|en|zh-hans|zh-hant)$"),
            CallbackQueryHandler(handlers.stale_button),
            InlineQueryHandler(handlers.inline_query),
        ]
    )
    application.add_error_handler(handlers.error)
    return application


def main(args: argparse.Namespace) -> int:
    """`interview-bot run`: long polling, or a webhook server with --webhook-url."""
    if hasattr(signal, "SIGHUP"):  # (not on Windows) held while starting: serve() answers it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        settings = Settings.load("run", args)
        configure_logging(settings.token, verbose=args.verbose)
        retriever = load_retriever(
            args.article, settings.retrieval, settings.cache_dir, memory=settings.memory
        )
        about = load_about(retriever.article, args.article)
        application = build_application(settings, retriever, about)
        log.info("answering questions on %s", about.title)
        webhook = None
        if settings.webhook_url and settings.webhook_secret:
            webhook = Webhook(
                settings.webhook_url, settings.webhook_secret, settings.listen, settings.port
            )
        session = application.bot_data.session
        reloads = Reloads(partial(renew_memory, session, args.article, settings))
        asyncio.run(serve(application, webhook, status=settings.status, reload=reloads.ask))
    except InvalidToken:  # its message holds the token
        print("interview-bot: error: Telegram rejected the bot token", file=sys.stderr)
        return 2
    except (SettingsError, ArticleError, MemoryFileError, StartupError) as exc:
        print(f"interview-bot: error: {exc}", file=sys.stderr)
        return 2
    return 0
