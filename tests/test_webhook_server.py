"""bot.delivery.WebhookServer when the process runs out of file descriptors: it pauses
accepting, closes the connection idle longest, logs once, and still serves."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from tests.support.chat import free_port
from tests.support.slowloris import slow_connections

# A server allowed far more connections than its 64 files: only running out stops it.
SERVER = """
import asyncio, logging, resource, sys
import tornado.web
from bot.delivery import WebhookServer

class Hello(tornado.web.RequestHandler):
    def get(self):
        self.finish("hello")

async def main():
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    server = WebhookServer(tornado.web.Application([("/", Hello)], log_function=lambda h: None))
    server.open(int(sys.argv[1]), "127.0.0.1", limit=10_000)
    print("listening", flush=True)
    await asyncio.Event().wait()

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
asyncio.run(main())
"""


def test_out_of_file_descriptors_it_still_serves_and_logs_once() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline() == "listening\n"
        with slow_connections(port, 200):
            deadline = time.monotonic() + 30
            while True:  # (a connection closed unanswered is tried again, as Telegram does)
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "never answered"
                    time.sleep(0.2)
            assert response.text == "hello"
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=10)
    lines = errors.splitlines()
    assert "Traceback" not in errors
    assert lines == [
        "WARNING bot.delivery: webhook: cannot accept a connection: Too many open files"
    ]
