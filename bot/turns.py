"""Retrieval in fair turns: one worker thread, taken in turn by each user who is waiting."""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
SERVED = 10_000  # keys whose last turn is remembered


class FairTurns:
    """Runs calls one at a time on one thread, in turns over their keys (users): the next turn
    goes to the waiting user served longest ago, so a user with a backlog of questions keeps
    another waiting at most one turn.

    One thread, because the encoder takes one question at a time anyway, and every thread that
    calls it would keep an OpenMP thread team and a malloc arena of its own (measured: 540 MB
    peak RSS with asyncio's default pool, after a burst)."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="retrieval")
        self._waiting: dict[Hashable, deque[asyncio.Future[None]]] = {}
        self._served: OrderedDict[Hashable, int] = OrderedDict()  # key → its last turn
        self._turn = 0
        self._busy = False

    async def run(self, key: Hashable, call: Callable[[], T]) -> T:
        """Wait for `key`'s turn, then run `call` on the worker thread."""
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(key, deque()).append(turn)
        self._next()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # granted just as it was cancelled
                self._release()
            else:
                self._forget(key, turn)
            raise
        try:
            return await loop.run_in_executor(self._thread, call)
        finally:
            self._release()

    def _next(self) -> None:
        """Give the turn to the waiting key served longest ago (or never), in arrival order."""
        while not self._busy and self._waiting:
            key = min(self._waiting, key=lambda k: self._served.get(k, -1))
            turns = self._waiting[key]
            turn = turns.popleft()
            if not turns:
                del self._waiting[key]
            if not turn.done():
                self._busy = True
                self._turn += 1
                self._served[key] = self._turn
                self._served.move_to_end(key)
                if len(self._served) > SERVED:
                    self._served.popitem(last=False)
                turn.set_result(None)

    def _release(self) -> None:
        self._busy = False
        self._next()

    def _forget(self, key: Hashable, turn: asyncio.Future[None]) -> None:
        turns = self._waiting.get(key)
        if turns is not None and turn in turns:
            turns.remove(turn)
            if not turns:
                del self._waiting[key]

    def waiting(self) -> int:
        """Calls waiting for their turn."""
        return sum(len(turns) for turns in self._waiting.values())

    def shutdown(self) -> None:
        """Stop the thread once the call it runs (if any) returns; waiting calls never run."""
        self._thread.shutdown(wait=False, cancel_futures=True)
