"""`interview-bot run` at start-up: what it says while the Bot API cannot be reached."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_bot_api_is_named_in_the_log_at_growing_intervals() -> None:
    port = closed_port()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--retrieval", "lexical", "--base-url",
         f"http://127.0.0.1:{port}/bot"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while len(lines) < 3 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "cannot reach" in line:
                lines.append(line)
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=10)
    assert len(lines) == 3, rest
    assert all(f"cannot reach the Bot API at 127.0.0.1:{port} (" in line for line in lines)
    waits = [int(re.search(r"next try in (\d+) s", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert waits == [1, 2, 4]
    assert TOKEN not in "".join(lines) + rest and TOKEN.split(":")[1] not in rest
