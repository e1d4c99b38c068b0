"""Fixtures: ``emulator_process``, the fake Bot API of the session; ``emulator``, the same,
reset before each test."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

# Make ``import emulator`` work whatever pytest's import mode is.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from emulator import Emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[Emulator]:
    emulator = Emulator()
    yield emulator
    emulator.stop()


@pytest_asyncio.fixture
async def emulator(emulator_process: Emulator) -> AsyncIterator[Emulator]:
    await emulator_process.wait_until_up()  # in case a test left an outage running
    emulator_process.reset()
    yield emulator_process


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Give back the root logger as it was (tests that run the bot configure it)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    logging.getLogger("httpx").setLevel(logging.NOTSET)
