"""Quotas that keep the bot fair: so many questions, button presses or inline queries per
user in a window of seconds, each kind counted on its own."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    ANSWER = "answer"
    WAIT = "wait"  # over the limit, but among the few that wait for room in the window
    NOTICE = "notice"  # the first question over the limit and the waiting: say so once
    DROP = "drop"  # further questions until the window has room again: silence


class Quota:
    """At most `limit` events per user in any `window` seconds. Past the limit, the next
    `queue` wait (each is given the time a place in the window frees, and counts from then);
    the first one past those gets a notice (with the seconds until the window has room), the
    rest are dropped silently until it has.

    Each process keeps its own counts: behind several replicas a user gets a little more, which
    is fine for keeping one user from starving the others.
    """

    def __init__(
        self,
        limit: int = 10,
        window: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        queue: int = 0,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.queue = queue
        # Per user, the times of the events counted: past ones, and those of the waiting, to come.
        self._asked: dict[int, deque[float]] = {}
        self._noticed: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        return self.admit(user_id)[0]

    def admit(self, user_id: int) -> tuple[Verdict, float]:
        """The verdict on one more event of `user_id`, and for WAIT the seconds to wait, for
        NOTICE those until the window has room (0 otherwise)."""
        if self.limit <= 0:  # no limit
            return Verdict.ANSWER, 0.0
        if len(self._asked) > 10_000:
            self.forget_idle()
        now = self.clock()
        asked = self._asked.setdefault(user_id, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) < self.limit:
            asked.append(now)
            self._noticed.discard(user_id)
            return Verdict.ANSWER, 0.0
        free = asked[-self.limit] + self.window  # when a place in the window frees
        if sum(at > now for at in asked) < self.queue:
            asked.append(free)
            self._noticed.discard(user_id)
            return Verdict.WAIT, free - now
        if user_id in self._noticed:
            return Verdict.DROP, 0.0
        self._noticed.add(user_id)
        return Verdict.NOTICE, free - now

    def forget_idle(self) -> None:
        """Drop the counts of users who asked nothing within the window (bounds memory)."""
        cutoff = self.clock() - self.window
        for user_id in [u for u, asked in self._asked.items() if not asked or asked[-1] <= cutoff]:
            del self._asked[user_id]
            self._noticed.discard(user_id)


def seconds(wait: float) -> int:
    """A wait as whole seconds to tell a user (at least 1)."""
    return max(1, math.ceil(wait))
