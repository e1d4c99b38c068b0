"""Patience with the Bot API: requests that surely did not reach it are sent again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# The request never left: no connection was opened, or none was free in time.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def worth_retrying(exc: NetworkError) -> bool:
    """Whether a failed Bot API request should be sent again: only when it surely did not
    reach the Bot API (no connection could be opened, or an error status such as 500 or 502
    came back). Never when the connection broke or timed out after the request was sent, as
    the Bot API may have carried it out and sending it again would answer twice; never for a
    bad request, which fails the same way every time."""
    if isinstance(exc, BadRequest):  # a NetworkError in PTB, but no retry mends it
        return False
    cause = exc.__cause__
    if cause is None:  # PTB's error for a status it got back
        return not isinstance(exc, TimedOut)
    return isinstance(cause, _NOT_SENT)


class PatientRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (Telegram's flood limits, waits out 429 retry_after), which also
    waits out Bot API outages: a request that surely did not get through (connection refused,
    5xx) is tried again with growing pauses, for up to about a minute (worth_retrying)."""

    def __init__(self, *, host: str = "the Bot API", patience: float = 60.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = host  # named in the log; never the URL, which holds the token
        self.patience = patience

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
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as exc:
                # getUpdates has the Updater's own retry loop.
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
