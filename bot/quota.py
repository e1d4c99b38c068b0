"""Quotas that keep the bot fair: so many questions, button presses or inline queries per
user in a window of seconds, each kind counted on its own."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ANSWER = "answer"
    NOTICE = "notice"  # the first question over the limit: say so once
    DROP = "drop"  # further questions until the window has room again: silence


class Quota:
    """At most `limit` events per user in any `window` seconds; the first one over the limit
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
