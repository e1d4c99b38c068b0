"""Settings of the Telegram bot, read from the environment (flags may override)."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import SplitResult, urlsplit

# "<bot id>:<secret>", as @BotFather hands it out.
_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,}")
_ANY_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,}")
# Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook secret token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message never contains the token."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
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
    def from_env(cls, environ: Mapping[str, str] | None = None, check: bool = True) -> Settings:
        """Settings from the environment; `check=False` leaves the checks to with_args, so
        that a flag can mend what the environment says."""
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather")
        if not _TOKEN.fullmatch(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN is malformed (expected <digits>:<35 characters>)")
        base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
        settings = cls(
            token=token,
            base_url=base_url,
            test_environment=env.get("TELEGRAM_TEST_ENV", "").strip().lower() in {"1", "true"},
            allowed_chat_ids=parse_chat_ids(env.get("ALLOWED_CHAT_IDS", "")),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            port=_port(env.get("TELEGRAM_WEBHOOK_PORT") or "8443"),
            max_rate=_number("TELEGRAM_MAX_RATE", env.get("TELEGRAM_MAX_RATE") or "30"),
            question_limit=int(_number("QUESTION_LIMIT", env.get("QUESTION_LIMIT") or "10")),
            question_window=_number("QUESTION_WINDOW", env.get("QUESTION_WINDOW") or "30"),
            browse_limit=int(_number("BROWSE_LIMIT", env.get("BROWSE_LIMIT") or "30")),
            inline_limit=int(_number("INLINE_LIMIT", env.get("INLINE_LIMIT") or "60")),
        )
        if check:
            settings.check()
        return settings

    def with_args(self, args: argparse.Namespace) -> Settings:
        """These settings, overridden by the flags that were given."""
        changes: dict[str, object] = {}
        if args.base_url:
            changes["base_url"] = args.base_url
        if args.test_env:
            changes["test_environment"] = True
        if args.allowed_chat_ids is not None:
            changes["allowed_chat_ids"] = parse_chat_ids(args.allowed_chat_ids)
        if args.webhook_url:
            changes["webhook_url"] = args.webhook_url
        if args.listen:
            changes["listen"] = args.listen
        if args.port is not None:
            changes["port"] = _port(str(args.port))
        settings = replace(self, **changes)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Raise ConfigError, naming the setting, for one that cannot work (before anything
        starts: a typo here would leave a bot that silently never answers)."""
        url = _url(self.base_url)
        if url is None or url.scheme not in ("http", "https") or not url.path.endswith("/bot"):
            raise ConfigError(
                "TELEGRAM_BASE_URL (--base-url) must be an http:// or https:// URL ending in "
                f"/bot, such as http://127.0.0.1:8081/bot, not {_redacted(self.base_url)!r}"
            )
        if self.webhook_url is None:
            return
        hook = _url(self.webhook_url)
        if hook is None or hook.scheme != "https":
            raise ConfigError(
                "TELEGRAM_WEBHOOK_URL (--webhook-url) must be an https:// URL, "
                f"not {_redacted(self.webhook_url)!r}"
            )
        if not self.webhook_secret:
            raise ConfigError("webhook mode needs TELEGRAM_WEBHOOK_SECRET")
        if not _SECRET.fullmatch(self.webhook_secret):
            raise ConfigError("TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z a-z 0-9 _ -")

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


def parse_chat_ids(value: str) -> frozenset[int] | None:
    """ "-100123, 42" → {-100123, 42}; empty → None (every chat is answered)."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        return None
    try:
        return frozenset(int(item) for item in items)
    except ValueError:
        raise ConfigError(f"ALLOWED_CHAT_IDS must be comma-separated chat ids: {value!r}") from None


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < 1e9:
        raise ConfigError(f"{name} must be a number, 0 or more: {value!r}")
    return number


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"TELEGRAM_WEBHOOK_PORT (--port) must be 1-65535, not {value!r}")
    return int(value)


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


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="Bot API base URL up to and including /bot")
    parser.add_argument("--test-env", action="store_true", help="use Telegram's test environment")
    parser.add_argument(
        "--allowed-chat-ids",
        metavar="IDS",
        help="comma-separated chat ids; no other chat is answered",
    )
    parser.add_argument(
        "--webhook-url", metavar="URL", help="receive updates by webhook at this https URL"
    )
    parser.add_argument("--listen", metavar="ADDR", help="webhook listen address (127.0.0.1)")
    parser.add_argument("--port", type=int, help="webhook listen port (8443)")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log at DEBUG (the token is still redacted)"
    )
