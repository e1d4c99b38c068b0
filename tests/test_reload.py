"""Reloads: SIGHUPs coalesce, one reload at a time (the reload itself, end to end:
tests/e2e/test_memory_reload.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.reload import Reloads


class Reload:
    """A reload that waits to be let through, and counts how often it ran."""

    def __init__(self) -> None:
        self.started = 0
        self.running = 0
        self.most = 0  # running at once
        self.gate = asyncio.Event()
        self.begun = asyncio.Event()

    async def __call__(self) -> None:
        self.started += 1
        self.running += 1
        self.most = max(self.most, self.running)
        self.begun.set()
        try:
            await self.gate.wait()
        finally:
            self.running -= 1

    async def began(self) -> None:
        await asyncio.wait_for(self.begun.wait(), 5)
        self.begun.clear()


async def settled(reloads: Reloads) -> None:
    """Until no reload runs."""
    while reloads.running is not None:
        await asyncio.wait_for(asyncio.shield(reloads.running), 5)


async def test_requests_during_a_reload_make_one_more_after_it() -> None:
    reload = Reload()
    reloads = Reloads(reload)
    reloads.ask()
    await reload.began()
    for _ in range(3):
        reloads.ask()
    assert reload.started == 1
    reload.gate.set()
    await settled(reloads)
    assert (reload.started, reload.most) == (2, 1)
    reloads.ask()  # after it is done: a reload again
    await settled(reloads)
    assert reload.started == 3


async def test_a_request_once_a_reload_has_read_the_files_is_not_lost() -> None:
    reload = Reload()
    reloads = Reloads(reload)
    reloads.ask()
    await reload.began()
    reload.gate.set()
    reloads.ask()  # (its reload has not returned yet)
    await settled(reloads)
    assert reload.started == 2


async def test_a_reload_that_fails_is_logged_and_the_next_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("broken")

    reloads = Reloads(broken)
    with caplog.at_level(logging.ERROR, "bot.reload"):
        reloads.ask()
        await settled(reloads)
        reloads.ask()
        await settled(reloads)
    assert calls == 2
    assert [r.message for r in caplog.records] == [
        "the memory could not be reloaded; the one in use is kept"
    ] * 2
