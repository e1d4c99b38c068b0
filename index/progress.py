"""Progress of long work (building an index, encoding an article): a bar with an estimate on
a terminal, and a line in the log when a step starts and ends."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Collection, Iterator
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
# A bar appears only for a step still running after this many seconds.
DELAY = 1.0


def steps(items: Collection[T], what: str) -> Iterator[T]:
    """`items`, one by one, while a bar on standard error (if it is a terminal) counts them."""
    from tqdm import tqdm  # (only where something is built: a warm start never imports it)

    log.info("%s: %d", what, len(items))
    started = time.monotonic()
    bar = tqdm(
        items,
        desc=what,
        unit="",
        delay=DELAY,
        leave=False,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    )
    yield from bar
    bar.close()
    log.info("%s: done in %.1f s", what, time.monotonic() - started)
