"""Patience with the Bot API: a request that failed on the way is sent again until it goes
through, so that a user is never left with no reply."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# How long a request waits for the Bot API's response before it counts as failed and is sent
# again (python-telegram-bot's default is 5 s): a send carried out late, once resent, reaches
# the user twice. Within a webhook request's 30 s (bot.delivery.WEBHOOK_WAIT), so that
# Telegram does not deliver the update again meanwhile.
READ_TIMEOUT = 20.0
# A 429 is waited out (for its retry_after) this many times in a row before the request fails
# (python-telegram-bot's default is 0): a burst of answers to one chat each waits its turn
# (Telegram allows about one message a second in a chat), and a user's quotas let more than 40
# into one window.
FLOOD_RETRIES = 60


def worth_retrying(exc: NetworkError) -> bool:
    """Whether a failed Bot API request should be sent again: whenever it failed on the way
    (no connection, an error status such as 500 or 502, a connection that broke or timed out),
    but not a bad request, which fails the same way every time. A request whose connection
    broke after it was sent may have been carried out: a user may then get an answer twice,
    the lesser harm than none (a response slower than READ_TIMEOUT counts as failed)."""
    return not isinstance(exc, BadRequest)  # a NetworkError in PTB, but no retry mends it


class PatientRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (Telegram's flood limits, waits out 429 retry_after), which also
    waits out Bot API outages: a request that failed on the way is tried again with growing
    pauses, for up to ten minutes (worth_retrying); getMe, at start-up, for as long as it takes.
    getUpdates is left to bot.delivery."""

    def __init__(
        self, *, host: str = "the Bot API", patience: float = 600.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.host = host  # named in the log; never the URL, which holds the token
        self.patience = patience
        self.contact: float | None = None  # when the Bot API last answered (bot.health)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        starting = endpoint == "getMe"  # the first request at start-up: wait as long as it takes
        pause, waited = (1.0 if starting else 0.25), 0.0
        while True:
            try:
                result = await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
                self.contact = time.time()
                return result
            except BadRequest:  # (an answer of the Bot API)
                self.contact = time.time()
                raise
            except NetworkError as exc:
                if endpoint == "getUpdates" or not worth_retrying(exc):
                    raise
                if starting:
                    log.warning(
                        "cannot reach the Bot API at %s (%s); next try in %.0f s",
                        self.host,
                        exc,
                        pause,
                    )
                elif waited >= self.patience:
                    raise
                else:
                    log.warning("%s failed (%s); trying again in %.2f s", endpoint, exc, pause)
                await asyncio.sleep(pause)
                waited += pause
                pause = min(pause * 2, 60.0 if starting else 8.0)
