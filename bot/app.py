"""The Telegram application: build_application() wires the handlers; main() runs it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import IO
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
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
from bot.retry import READ_TIMEOUT, PatientRateLimiter
from bot.session import SECTION_SHORTCUT, Session
from bot.settings import Settings, SettingsError
from bot.turns import FairTurns
from index.about import About, load_about
from index.article import ArticleError
from index.cache import load_retriever
from index.memory import MemoryFileError
from index.search import Retriever

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

COMMANDS = [BotCommand(name, description) for name, description in messages.COMMANDS]
LOG_STOP = 1.0  # seconds the question log's queue gets after the drain (STOP_GRACE)


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
    try:
        await application.bot.set_my_commands(COMMANDS)
    except TelegramError as exc:  # the bot still answers without the command menu
        log.warning("could not set the command menu: %s", exc)


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
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW))
        .rate_limiter(
            PatientRateLimiter(
                host=settings.host, overall_max_rate=settings.max_rate, max_retries=3
            )
        )
        .read_timeout(READ_TIMEOUT)
        .updater(None)  # bot.delivery fetches updates, and confirms them once answered
        # Every update of the backlog is handled at once: retrieval takes turns by user in
        # FairTurns, so a user's backlog never holds up another's question.
        .concurrent_updates(BACKLOG)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    # PTB makes bot_data with no arguments (a dict by default); ours needs the retriever, so
    # it is built whole here and set in its place, as PTB's persistence sets a loaded one.
    application.bot_data = handlers.BotData(
        session=Session(retriever, about),
        allowed_chat_ids=settings.allowed_chat_ids,
        questions=Quota(settings.question_limit, settings.question_window),
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
    asks = (text & addressed & ~section_ref) | filters.Regex(r"^/ask(@\w+)?(\s|$)")

    application.add_handler(TypeHandler(Update, handlers.guard), group=-2)
    # Each kind of request counts against its own quota; group chatter counts for nothing.
    application.add_handlers(
        [
            MessageHandler(asks, handlers.count_question),
            MessageHandler(
                (private & ~asks) | (groups & filters.COMMAND & ~asks), handlers.count_browsing
            ),
            CallbackQueryHandler(handlers.count_browsing),
            InlineQueryHandler(handlers.count_inline),
        ],
        group=-1,
    )
    application.add_handlers(
        [
            CommandHandler(["start", "help"], handlers.start),
            CommandHandler("ask", handlers.ask_command),
            CommandHandler("section", handlers.section_command),
            CommandHandler("sections", handlers.sections_command),
            CommandHandler("privacy", handlers.privacy_command),
            CommandHandler("forget", handlers.forget_command),
            MessageHandler(private & text & section_ref, handlers.section_shortcut),
            # An edited question is answered again, as a new reply.
            MessageHandler((new | edited) & text & addressed, handlers.ask_text),
            MessageHandler(private & new & filters.COMMAND, handlers.unknown_command),
            MessageHandler(private & new & ~filters.TEXT, handlers.not_text),
            CallbackQueryHandler(handlers.section_button, pattern=r"^[sn]:\d{1,3}:\d{1,3}$"),
            CallbackQueryHandler(handlers.list_button, pattern=r"^l$"),
            CallbackQueryHandler(handlers.more_button, pattern=r"^m:"),
            CallbackQueryHandler(handlers.vote_button, pattern=r"^v:[+-]:\w{1,40}$"),
            CallbackQueryHandler(handlers.stale_button),
            InlineQueryHandler(handlers.inline_query),
        ]
    )
    application.add_error_handler(handlers.error)
    return application


def main(args: argparse.Namespace) -> int:
    """`interview-bot run`: long polling, or a webhook server with --webhook-url."""
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
        asyncio.run(serve(application, webhook, status=settings.status))
    except InvalidToken:  # its message holds the token
        print("interview-bot: error: Telegram rejected the bot token", file=sys.stderr)
        return 2
    except (SettingsError, ArticleError, MemoryFileError, StartupError) as exc:
        print(f"interview-bot: error: {exc}", file=sys.stderr)
        return 2
    return 0
