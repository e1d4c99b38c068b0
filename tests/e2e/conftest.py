"""Fixtures: ``emulator_process``, the fake Bot API of the session; ``emulator``, the same,
reset before each test; ``logged``, the bot polling it, and the bot's log."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from bot.app import build_application, configure_logging
from index.search import SearchIndex
from tests.support.chat import check_everything_sent, settings
from tests.support.emulator import Emulator, polling


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


@pytest_asyncio.fixture
async def logged(emulator: Emulator, index: SearchIndex) -> AsyncIterator[io.StringIO]:
    """The bot running with long polling; yields its log."""
    log = io.StringIO()
    configure_logging(emulator.token, stream=log)
    async with polling(build_application(settings(emulator), index)):
        await emulator.wait_for_requests("setMyCommands")
        yield log
    check_everything_sent(emulator)
