"""FairTurns: one call at a time, the next turn to the user served longest ago."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.turns import FairTurns


async def test_a_users_backlog_waits_behind_everyone_elses_next_question() -> None:
    turns = FairTurns()
    held, order = threading.Event(), []

    def call(name: str) -> str:
        if name == "a1":
            held.wait(5)
        order.append(name)
        return name

    calls = [asyncio.create_task(turns.run("a", lambda: call("a1")))]
    await asyncio.sleep(0.05)  # a1 is running
    for name in ("a2", "a3", "a4", "b1", "c1", "b2"):
        calls.append(asyncio.create_task(turns.run(name[0], lambda n=name: call(n))))  # type: ignore[misc]
        await asyncio.sleep(0)
    assert turns.waiting() == 6
    held.set()
    assert await asyncio.gather(*calls) == ["a1", "a2", "a3", "a4", "b1", "c1", "b2"]
    # a had just been served: b and c go first, then each in turn.
    assert order == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"]
    turns.shutdown()


async def test_a_cancelled_wait_gives_up_its_turn_and_errors_reach_the_caller() -> None:
    turns = FairTurns()
    held = threading.Event()
    running = asyncio.create_task(turns.run("a", lambda: held.wait(5)))
    await asyncio.sleep(0.05)
    waiting = asyncio.create_task(turns.run("b", lambda: "never"))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert turns.waiting() == 0
    held.set()
    assert await running is True

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await turns.run("c", fail)
    assert await turns.run("c", lambda: 42) == 42  # the turn was given back
    turns.shutdown()


async def test_questions_waiting_are_prepared_together_in_the_order_they_are_served() -> None:
    prepared: list[list[str]] = []
    turns = FairTurns(prepared.append)
    held = threading.Event()
    calls = [asyncio.create_task(turns.run("a", lambda: held.wait(5), "a1"))]
    await asyncio.sleep(0.05)  # a1 is running, prepared alone: nobody was waiting
    for name in ("a2", "b1", "c1", "b2", "d1"):
        calls.append(asyncio.create_task(turns.run(name[0], lambda n=name: n, name)))  # type: ignore[misc]
        await asyncio.sleep(0)
    calls.append(asyncio.create_task(turns.run("e", lambda: "e1")))  # names no question
    await asyncio.sleep(0)
    held.set()
    assert await asyncio.gather(*calls) == [True, "a2", "b1", "c1", "b2", "d1", "e1"]
    # b1's turn came first: it was read with the others, in the order they came after it.
    assert prepared == [["b1", "c1", "d1", "a2", "b2"]]
    turns.shutdown()


async def test_a_question_is_answered_when_reading_it_with_others_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def prepare(questions: list[str]) -> None:
        raise RuntimeError("the encoder refused one of them")

    turns = FairTurns(prepare)
    held = threading.Event()
    calls = [asyncio.create_task(turns.run("a", lambda: held.wait(5), "a1"))]
    await asyncio.sleep(0.05)
    for name in ("b1", "c1"):
        calls.append(asyncio.create_task(turns.run(name[0], lambda n=name: n, name)))  # type: ignore[misc]
        await asyncio.sleep(0)
    held.set()
    assert await asyncio.gather(*calls) == [True, "b1", "c1"]
    assert "could not prepare 2 questions together" in caplog.text
    turns.shutdown()
