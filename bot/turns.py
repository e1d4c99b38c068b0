"""Retrieval in fair turns: one worker thread, taken in turn by each user who is waiting."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
SERVED = 10_000  # keys whose last turn is remembered
AHEAD = 8  # questions prepared together: the one whose turn it is and those next in line,
AHEAD_CHARS = 400  # of this many characters in all (long ones alone: see _prepared)


class FairTurns:
    """Runs calls one at a time on one thread, in turns over their keys (users): the next turn
    goes to the waiting user served longest ago, so a user with a backlog of questions keeps
    another waiting at most one turn.

    One thread, because the encoder takes one question at a time anyway, and every thread that
    calls it would keep an OpenMP thread team and a malloc arena of its own (measured: 540 MB
    peak RSS with asyncio's default pool, after a burst). A call may name the question it
    answers: when others wait, `prepare` gets it with the questions next in line (the encoder
    reads several at once faster than one after another)."""

    def __init__(self, prepare: Callable[[list[str]], object] | None = None) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="retrieval")
        self._prepare = prepare
        self._waiting: dict[Hashable, deque[asyncio.Future[None]]] = {}
        self._questions: dict[asyncio.Future[None], str] = {}  # turn → its question, unprepared
        self._served: OrderedDict[Hashable, int] = OrderedDict()  # key → its last turn
        self._turn = 0
        self._busy = False

    async def run(self, key: Hashable, call: Callable[[], T], question: str | None = None) -> T:
        """Wait for `key`'s turn, then run `call` (which answers `question`, if given) on the
        worker thread."""
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting.setdefault(key, deque()).append(turn)
        if question is not None and self._prepare is not None:
            self._questions[turn] = question
        self._next()
        try:
            await turn
        except asyncio.CancelledError:
            self._questions.pop(turn, None)
            if turn.done() and not turn.cancelled():  # granted just as it was cancelled
                self._release()
            else:
                self._forget(key, turn)
            raise
        try:
            return await loop.run_in_executor(self._thread, self._prepared(turn, call))
        finally:
            self._release()

    def _prepared(self, turn: asyncio.Future[None], call: Callable[[], T]) -> Callable[[], T]:
        """`call`, after `prepare` has read its question with those next in line, when its
        question is not prepared yet and others wait.

        Short questions only: eight questions of 4,096 characters at once took the sixth
        user's short one behind them from 1.1 s to 4.1 s."""
        own = self._questions.pop(turn, None)
        if own is None or self._prepare is None:
            return call
        questions, size = [own], len(own)
        for waiting in filter(self._questions.__contains__, self._next_in_line()):
            size += len(self._questions[waiting])
            if len(questions) == AHEAD or size > AHEAD_CHARS:
                break
            questions.append(self._questions.pop(waiting))
        if len(questions) == 1:
            return call
        prepare = self._prepare

        def run() -> T:
            try:
                prepare(questions)
            except Exception:  # a question must not fail for another's sake: each is read again
                log.exception("could not prepare %d questions together", len(questions))
            return call()

        return run

    def _next_in_line(self) -> Iterator[asyncio.Future[None]]:
        """The waiting turns in the order they come, as far as now known."""
        keys = sorted(self._waiting, key=lambda k: self._served.get(k, -1))
        rounds = itertools.zip_longest(*(self._waiting[k] for k in keys))
        return (t for t in itertools.chain.from_iterable(rounds) if t is not None)

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
