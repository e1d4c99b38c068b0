"""Limits that keep the bot fair and alive: questions per user, and patience with the Bot API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class Verdict(Enum):
    ANSWER = "answer"
    NOTICE = "notice"  # the first question over the limit: say so once
    DROP = "drop"  # further questions until the window has room again: silence


class QuestionLimit:
    """At most `limit` questions per user in any `window` seconds; the first one over the limit
    gets a notice, the rest are dropped silently until the window has room again.

    Each process keeps its own counts: behind several replicas a user gets a little more, which
    is fine for keeping one user from starving the others.
    """

    def __init__(
        self, limit: int = 10, window: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._noticed: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        if self.limit <= 0:  # no limit
            return Verdict.ANSWER
        if len(self._asked) > 10_000:
            self.forget_idle()
        now = self.clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) < self.limit:
            asked.append(now)
            self._noticed.discard(user_id)
            return Verdict.ANSWER
        if user_id in self._noticed:
            return Verdict.DROP
        self._noticed.add(user_id)
        return Verdict.NOTICE

    def forget_idle(self) -> None:
        """Drop the counts of users who asked nothing within the window (bounds memory)."""
        cutoff = self.clock() - self.window
        for user_id in [u for u, asked in self._asked.items() if not asked or asked[-1] <= cutoff]:
            del self._asked[user_id]
            self._noticed.discard(user_id)


def worth_retrying(exc: NetworkError) -> bool:
    """Whether a failed Bot API request should be sent again: yes when it did not get through
    (no connection, a dropped connection, an error status such as 500 or 502); no when it timed
    out waiting for the answer, as the Bot API may be slow but carrying it out, and sending
    again would answer twice; no for a bad request, which fails the same way every time."""
    if isinstance(exc, BadRequest):  # a NetworkError in PTB, but no retry mends it
        return False
    cause = exc.__cause__
    if cause is None:
        return not isinstance(exc, TimedOut)
    return isinstance(cause, httpx.TransportError) and not isinstance(cause, httpx.ReadTimeout)


class PatientRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (Telegram's flood limits, waits out 429 retry_after), which also
    waits out Bot API outages: a request that did not get through (connection refused or
    dropped, 5xx) is tried again with growing pauses, for up to about a minute. One that timed
    out is not: Telegram may have carried it out, and sending again would answer twice."""

    def __init__(self, *, patience: float = 60.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
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
        pause, waited = 0.25, 0.0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as exc:
                # getUpdates has the Updater's own retry loop.
                if endpoint == "getUpdates" or not worth_retrying(exc) or waited >= self.patience:
                    raise
                log.warning("%s failed (%s); trying again in %.2f s", endpoint, exc, pause)
                await asyncio.sleep(pause)
                waited += pause
                pause = min(pause * 2, 8.0)
