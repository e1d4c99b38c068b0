"""Every setting the program reads, declared once (its variable, flag, default, check and help
line) in OPTIONS and read into one Settings: a flag wins over its variable, and a value that
cannot work is a SettingsError naming it (never the token)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from bot import health
from index.cache import MODES

# "<bot id>:<secret>", as @BotFather hands it out.
_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,}")
_ANY_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,}")
# Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook secret token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
Scope = Literal["answer", "run"]  # every command that answers questions; the bot alone


class SettingsError(Exception):
    """A setting is missing or cannot work; the message names it and never holds the token."""


@dataclass(frozen=True)
class Settings:
    retrieval: str = "hybrid"
    cache_dir: Path | None = None  # None: no cache
    log: Path | None = None  # the question log (bot.questionlog); None: off
    log_days: float = 30.0  # how long the log keeps a question
    memory: tuple[Path, ...] = ()  # the operator's labelled messages (index.memory)
    status: Path | None = None  # where the running bot writes its health (bot.health); None: not
    token: str = field(default="", repr=False)
    base_url: str = DEFAULT_BASE_URL
    test_environment: bool = False
    allowed_chat_ids: frozenset[int] | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    listen: str = "127.0.0.1"
    port: int = 8443
    # Telegram's limit for a bot's messages overall (per second); 0 lifts it (for a local server).
    max_rate: float = 30.0
    # Questions one user may ask in `question_window` seconds; button presses and commands
    # that browse the article, and inline queries (sent as the user types), have limits of
    # their own in the same window.
    question_limit: int = 10
    question_window: float = 30.0
    browse_limit: int = 30
    inline_limit: int = 60

    @classmethod
    def load(
        cls,
        scope: Scope = "answer",
        args: argparse.Namespace | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """The settings of `scope`, each from its flag in `args` if given, else from its
        variable in `environ` (os.environ by default), else its default."""
        env = os.environ if environ is None else environ
        settings = cls(**{option.field: option.read(args, env) for option in _options(scope)})
        if settings.webhook_url and not settings.webhook_secret:
            raise SettingsError("webhook mode needs TELEGRAM_WEBHOOK_SECRET")
        return settings

    @property
    def host(self) -> str:
        """The Bot API's host and port, as the log names it (the URL would hold the token)."""
        return urlsplit(self.base_url).netloc

    @property
    def api_url(self) -> str:
        """Bot API base URL for python-telegram-bot, with its {token} placeholder."""
        return f"{self.base_url}{{token}}" + ("/test" if self.test_environment else "")

    @property
    def file_url(self) -> str:
        files = re.sub(r"/bot$", "/file/bot", self.base_url)
        return f"{files}{{token}}" + ("/test" if self.test_environment else "")


@dataclass(frozen=True)
class Option:
    """One setting: the Settings field it fills, from a variable and maybe a flag."""

    field: str
    variable: str
    flag: str | None
    default: str
    parse: Callable[[str, Option], Any]  # the value from its text; SettingsError if wrong
    help: str  # one line, for --help and the README's table
    scope: Scope = "run"
    switch: bool = False  # a flag without a value (sets "1")

    @property
    def name(self) -> str:
        """How an error names it: the variable, and the flag if there is one."""
        return f"{self.variable} ({self.flag})" if self.flag else self.variable

    def read(self, args: argparse.Namespace | None, env: Mapping[str, str]) -> Any:
        given = getattr(args, self.field, None) if args is not None else None
        if given not in (None, False):
            text = "1" if given is True else str(given)
        else:
            text = env.get(self.variable, "").strip() or self.default
        return self.parse(text, self)


def _mode(text: str, option: Option) -> str:
    mode = text.lower()
    if mode not in MODES:
        raise SettingsError(f"{option.name} must be hybrid or lexical, not {text!r}")
    return mode


def _cache_dir(text: str, option: Option) -> Path | None:
    if text.lower() in ("off", "0"):
        return None
    if text:
        return Path(text).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "interview-bot"


def _log(text: str, option: Option) -> Path | None:
    if text and (Path(text).expanduser().is_dir() or text.endswith("/")):
        raise SettingsError(f"{option.name} must name a file, not a directory: {text!r}")
    return Path(text).expanduser() if text else None


def _paths(text: str, option: Option) -> tuple[Path, ...]:
    paths = tuple(Path(p).expanduser() for p in text.split(os.pathsep) if p.strip())
    if missing := [str(p) for p in paths if not p.is_file()]:
        raise SettingsError(f"{option.name}: no such file: {missing[0]!r}")
    return paths


def _status(text: str, option: Option) -> Path:
    if text and (Path(text).expanduser().is_dir() or text.endswith("/")):
        raise SettingsError(f"{option.name} must name a file, not a directory: {text!r}")
    return Path(text).expanduser() if text else health.default_path()


def _days(text: str, option: Option) -> float:
    days = _number(text, option)
    if days <= 0:
        raise SettingsError(f"{option.name} must be more than 0 days: {text!r}")
    return days


def _token(text: str, option: Option) -> str:
    if not text:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
    if not _TOKEN.fullmatch(text):
        raise SettingsError("TELEGRAM_BOT_TOKEN is malformed (expected <digits>:<35 characters>)")
    return text


def _base_url(text: str, option: Option) -> str:
    url = _url(text)
    if url is None or url.scheme not in ("http", "https") or not url.path.endswith("/bot"):
        raise SettingsError(
            f"{option.name} must be an http:// or https:// URL ending in /bot, such as "
            f"http://127.0.0.1:8081/bot, not {_redacted(text)!r}"
        )
    return text


def _webhook_url(text: str, option: Option) -> str | None:
    if not text:
        return None
    url = _url(text)
    if url is None or url.scheme != "https":
        raise SettingsError(f"{option.name} must be an https:// URL, not {_redacted(text)!r}")
    return text


def _secret(text: str, option: Option) -> str | None:
    if text and not _SECRET.fullmatch(text):
        raise SettingsError(f"{option.name}: 1-256 characters of A-Z a-z 0-9 _ -")
    return text or None


def _switch(text: str, option: Option) -> bool:
    return text.lower() in ("1", "true", "yes")


def _text(text: str, option: Option) -> str:
    return text


def _chat_ids(text: str, option: Option) -> frozenset[int] | None:
    """ "-100123, 42" → {-100123, 42}; empty → None (every chat is answered)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        return None
    if not all(re.fullmatch(r"-?\d{1,20}", item) for item in items):
        raise SettingsError(f"{option.name} must be comma-separated chat ids: {text!r}")
    return frozenset(int(item) for item in items)


def _port(text: str, option: Option) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError(f"{option.name} must be 1-65535, not {text!r}")
    return int(text)


def _number(text: str, option: Option) -> float:
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 <= number < 1e9:
        raise SettingsError(f"{option.name} must be a number, 0 or more: {text!r}")
    return number


def _count(text: str, option: Option) -> int:
    number = _number(text, option)
    if number != int(number):
        raise SettingsError(f"{option.name} must be a whole number, 0 or more: {text!r}")
    return int(number)


OPTIONS = (
    Option("retrieval", "INTERVIEW_BOT_RETRIEVAL", "--retrieval", "hybrid", _mode,
           "how passages are ranked: hybrid (default) or lexical", scope="answer"),
    Option("cache_dir", "INTERVIEW_BOT_CACHE_DIR", None, "", _cache_dir,
           "where the index is cached (~/.cache/interview-bot; off: none)", scope="answer"),
    Option("log", "INTERVIEW_BOT_LOG", "--log", "", _log,
           "an SQLite file to log questions and votes in (off by default)", scope="answer"),
    Option("log_days", "INTERVIEW_BOT_LOG_DAYS", None, "30", _days,
           "days the question log keeps a question (30)", scope="answer"),
    Option("memory", "INTERVIEW_BOT_MEMORY", "--memory", "", _paths,
           "labelled messages to learn from (JSON Lines files, separated by :)", scope="answer"),
    Option("status", "INTERVIEW_BOT_STATUS", None, "", _status,
           "the file the running bot keeps its health in, for `health` (in the temp dir)",
           scope="answer"),
    Option("token", "TELEGRAM_BOT_TOKEN", None, "", _token,
           "the bot's token from @BotFather (required; never logged)"),
    Option("base_url", "TELEGRAM_BASE_URL", "--base-url", DEFAULT_BASE_URL, _base_url,
           "Bot API base URL up to and including /bot"),
    Option("test_environment", "TELEGRAM_TEST_ENV", "--test-env", "", _switch,
           "1: Telegram's test environment", switch=True),
    Option("allowed_chat_ids", "ALLOWED_CHAT_IDS", "--allowed-chat-ids", "", _chat_ids,
           "comma-separated chat ids; no other chat is answered"),
    Option("webhook_url", "TELEGRAM_WEBHOOK_URL", "--webhook-url", "", _webhook_url,
           "receive updates by webhook at this https:// URL"),
    Option("webhook_secret", "TELEGRAM_WEBHOOK_SECRET", None, "", _secret,
           "the webhook's secret (1-256 of A-Z a-z 0-9 _ -; required with a webhook)"),
    Option("listen", "TELEGRAM_WEBHOOK_LISTEN", "--listen", "127.0.0.1", _text,
           "the webhook server's listen address (127.0.0.1)"),
    Option("port", "TELEGRAM_WEBHOOK_PORT", "--port", "8443", _port,
           "the webhook server's port (8443)"),
    Option("max_rate", "TELEGRAM_MAX_RATE", None, "30", _number,
           "the bot's messages per second overall (30; 0: no limit)"),
    Option("question_limit", "QUESTION_LIMIT", None, "10", _count,
           "questions one user may ask per window (10; 0: no limit)"),
    Option("question_window", "QUESTION_WINDOW", None, "30", _number,
           "the limits' window in seconds (30)"),
    Option("browse_limit", "BROWSE_LIMIT", None, "30", _count,
           "button presses and browsing commands per user per window (30)"),
    Option("inline_limit", "INLINE_LIMIT", None, "60", _count,
           "inline queries per user per window (60)"),
)  # fmt: skip


def _options(scope: Scope) -> list[Option]:
    """The options a command of `scope` reads ("run" reads those of "answer" too)."""
    return [option for option in OPTIONS if option.scope == "answer" or scope == "run"]


def add_arguments(parser: argparse.ArgumentParser, scope: Scope, default: object = None) -> None:
    """The flags of the options of `scope` (alone: "answer" is also read by "run")."""
    for option in OPTIONS:
        if option.flag is None or option.scope != scope:
            continue
        metavar = "{hybrid,lexical}" if option.field == "retrieval" else option.field.upper()
        extra = (
            dict(action="store_true") if option.switch else dict(default=default, metavar=metavar)
        )
        parser.add_argument(option.flag, dest=option.field, help=option.help, **extra)


def environment_help(scope: Scope) -> str:
    """The --help lines of the variables a command of `scope` reads."""
    lines = [f"  {option.name}  {option.help}" for option in _options(scope)]
    return "environment (a flag wins over its variable):\n" + "\n".join(lines)


def _url(value: str) -> SplitResult | None:
    """`value` split, if it is a URL with a host and, if it names one, a port of 1-65535."""
    try:
        url = urlsplit(value)
        port = url.port  # (a ValueError when out of range or not a number)
    except ValueError:  # such as an unclosed [ of an IPv6 address
        return None
    return url if url.hostname and port != 0 else None


def _redacted(value: str) -> str:
    """`value` with anything shaped like a bot token blanked out."""
    return _ANY_TOKEN.sub("<token>", value)
