"""bot.health: the status file is data, checked field by field; the verdict in one line."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from bot import health
from bot.cli import main
from bot.health import Status

NOW = time.time()
GOOD = Status(os.getpid(), "polling", NOW - 100, NOW - 5, NOW - 3, None, 12)


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (GOOD, "ok: polling, the Bot API answered 3 s ago, 12 updates answered"),
        (replace(GOOD, written=NOW - 61), "the bot has not reported for 61 s (stuck?)"),
        (replace(GOOD, contact=None), "not connected: no answer from the Bot API in 100 s"),
        (replace(GOOD, contact=NOW - 91), "not connected: no answer from the Bot API for 91 s"),
        (replace(GOOD, waiting_since=NOW - 70), "not answering: an update has waited 70 s"),
    ],
    ids=["ok", "stale", "never-connected", "out-of-touch", "not-answering"],
)
def test_the_verdict_says_why_in_one_line(status: Status, says: str) -> None:
    healthy, line = health.verdict(status, NOW)
    assert healthy == (status is GOOD)
    assert line.startswith(says) and "\n" not in line


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[1, 2]",
        json.dumps(asdict(GOOD) | {"pid": "__import__('os').system('true')"}),
        json.dumps(asdict(GOOD) | {"written": "NaN"}),
        json.dumps(asdict(GOOD)).replace(f"{GOOD.written}", "NaN"),
        json.dumps(asdict(GOOD) | {"answered": True}),
        json.dumps({k: v for k, v in asdict(GOOD).items() if k != "mode"}),
        "\udcff".encode("utf-8", "surrogateescape").decode("latin-1"),
    ],
)
def test_a_status_file_that_holds_no_status_is_one_line_and_exit_1(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status = tmp_path / "status"
    status.write_text(text, encoding="latin-1")
    monkeypatch.setenv("INTERVIEW_BOT_STATUS", str(status))
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out == f"{status} holds no status" + out.split("holds no status", 1)[1]
    assert out.count("\n") == 1


def test_a_status_written_is_read_back(tmp_path: Path) -> None:
    health.write(tmp_path / "status", GOOD)
    assert health.read(tmp_path / "status") == GOOD
    assert health.check(tmp_path / "status", NOW)[0]
    assert [p.name for p in tmp_path.iterdir()] == ["status"]  # no temporary file left


ROOT = Path(__file__).parent.parent


def test_the_dockerfile_has_a_healthcheck_with_the_health_command() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    instruction = re.search(r"^HEALTHCHECK .*? CMD (.*)$", dockerfile, flags=re.M)
    assert instruction is not None, "no HEALTHCHECK in the Dockerfile"
    assert json.loads(instruction[1]) == ["interview-bot", "health"]
    # buildah's default format, OCI's, has no health check: the image is built in Docker's.
    assert "--format docker" in (ROOT / "tests/container/build_image.sh").read_text()
