"""The memory of labelled messages read again while the bot runs (on SIGHUP): off the event
loop, one reload at a time, and swapped in whole for the messages that come next."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.session import Session
from bot.settings import Settings
from index.cache import reload_memory
from index.memory import MemoryFileError

log = logging.getLogger(__name__)


class Reloads:
    """Runs `reload` when asked, one at a time: asked while one runs, however often, it runs
    once more after it (the files may have changed since that one read them)."""

    def __init__(self, reload: Callable[[], Awaitable[object]]) -> None:
        self._reload = reload
        self.running: asyncio.Task[None] | None = None  # the reloads under way
        self._again = False

    def ask(self) -> None:
        """(On the event loop: the SIGHUP handler.)"""
        if self.running is not None:
            self._again = True
        else:
            self.running = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while True:
                self._again = False
                try:
                    await self._reload()
                except Exception:
                    log.exception("the memory could not be reloaded; the one in use is kept")
                if not self._again:
                    return
        finally:
            self.running = None


async def renew_memory(session: Session, article: str | Path | None, settings: Settings) -> None:
    """Read the memory's files again on a worker thread (the questions not in the memory in
    use are encoded there), then answer the next messages with it; an answer under way
    finishes with the retriever it began with. A file that is not one (unreadable, a line not
    labelled) keeps the memory in use, with one line in the log naming it."""
    stopping = threading.Event()
    files, cache = settings.memory, settings.cache_dir
    try:
        renewed = await asyncio.to_thread(
            reload_memory, session.retriever, article, files, cache, stopping.is_set
        )
    except MemoryFileError as exc:
        log.error("memory not reloaded (the one in use is kept): %s", exc)
        return
    finally:  # (cancelled as the bot stops: the thread gives up before its next few questions)
        stopping.set()
    if renewed is None:
        log.info("memory not reloaded: lexical retrieval reads none")
        return
    session.retriever = renewed
    count = len(renewed.memory) if renewed.memory is not None else 0
    log.info("memory reloaded: %s labelled messages", f"{count:,}")
