"""Fixtures for end-to-end tests against the Telegram Bot API emulator.

``emulator_process``: one emulator (Node) for the whole session; fails, never skips,
when Node.js is missing. ``emulator``: the same emulator, reset before each test.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

# Make ``import emulator`` work whatever pytest's import mode is.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from emulator import Emulator, EmulatorError  # noqa: E402


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    emu = Emulator()
    try:
        emu.start()
    except EmulatorError as exc:
        pytest.fail(f"Telegram Bot API emulator could not start: {exc}", pytrace=False)
    try:
        yield emu
    finally:
        emu.stop()


@pytest_asyncio.fixture
async def emulator(emulator_process: Emulator) -> AsyncIterator[Emulator]:
    await emulator_process.wait_until_up()  # in case a test left a "refuse" outage running
    await emulator_process.reset()
    try:
        yield emulator_process
    finally:
        await emulator_process.aclose()
