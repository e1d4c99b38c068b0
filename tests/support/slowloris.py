"""Slow clients for the webhook server: connections that send part of a request's headers,
then nothing (the "slowloris" attack)."""

from __future__ import annotations

import contextlib
import resource
import selectors
import socket
import time
from collections.abc import Iterator

PARTIAL = b"POST /telegram HTTP/1.1\r\nHost: bot.example.com\r\nContent-Length: 100\r\n"


def allow_files(count: int) -> None:
    """Let this process open `count` files (RLIMIT_NOFILE up to its hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < count:
        raise OSError(f"the hard file limit is {hard}, below {count}")
    if soft != resource.RLIM_INFINITY and soft < count:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))


@contextlib.contextmanager
def slow_connections(port: int, count: int, timeout: float = 10.0) -> Iterator[list[socket.socket]]:
    """Open `count` connections to 127.0.0.1:`port` at once (without waiting for the server
    to accept them) and send each the start of a request's headers as soon as it is
    connected; yields them, closed afterwards."""
    allow_files(count + 64)
    sockets = []
    with selectors.DefaultSelector() as selector:
        try:
            for _ in range(count):
                sock = socket.socket()
                sock.setblocking(False)
                sockets.append(sock)
                sock.connect_ex(("127.0.0.1", port))
                selector.register(sock, selectors.EVENT_WRITE)
            deadline = time.monotonic() + timeout
            while selector.get_map() and time.monotonic() < deadline:
                for key, _ in selector.select(timeout=0.1):
                    selector.unregister(key.fileobj)
                    with contextlib.suppress(OSError):
                        key.fileobj.send(PARTIAL)  # type: ignore[union-attr]
            yield sockets
        finally:
            for sock in sockets:
                sock.close()
