"""The container image, built with buildah (tests/container/build_image.sh) and run here.

Needs root (buildah's vfs storage, chroot isolation) and, on the first run, the Debian mirror
and PyPI: the build script installs buildah and debootstrap if they are missing. With
INTERVIEW_BOT_IMAGE set, the tests use that image (already built by build_image.sh) instead of
running the script.

    .venv/bin/python -m pytest -q tests/container -m container -p no:cacheprovider
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.container

HERE = Path(__file__).parent
BUILD_SCRIPT = HERE / "build_image.sh"
DEFAULT_IMAGE = "localhost/interview-bot:latest"
BUILDAH = ["buildah", "--storage-driver", "vfs"]
# A well-formed token that no Bot API knows, and a Bot API that is not there (connections to
# the discard port on loopback are refused): the bot keeps retrying at start-up.
FAKE_TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
NOWHERE = "http://127.0.0.1:9/bot"
# Measured: 528 MB, of which the sentence encoder's wheel (its model inside) is 95 MB.
MAX_IMAGE_BYTES = 600_000_000


def buildah(
    *args: str, timeout: float = 300, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*BUILDAH, *args], capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(f"buildah {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The image's name: built (or found up to date) by build_image.sh, unless
    INTERVIEW_BOT_IMAGE names one that was built already."""
    if os.geteuid() != 0:
        pytest.fail("the container tests need root (buildah with vfs storage and chroot isolation)")
    given = os.environ.get("INTERVIEW_BOT_IMAGE")
    if given:
        return given
    log = tmp_path_factory.mktemp("build") / "build_image.log"
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            ["bash", str(BUILD_SCRIPT)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "IMAGE": DEFAULT_IMAGE},
            timeout=1800,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])
        pytest.fail(f"build_image.sh exited {done.returncode}; the end of its output:\n{tail}")
    return DEFAULT_IMAGE


@pytest.fixture(scope="session")
def config(image: str) -> dict[str, Any]:
    """The image's OCI configuration (user, environment, entrypoint, ...)."""
    inspected = json.loads(buildah("inspect", "--type", "image", image).stdout)
    return dict(
        inspected["OCIv1"]["config"],
        _history=inspected.get("History") or [],
        _manifest=json.loads(inspected["Manifest"]),
        _docker=(inspected.get("Docker") or {}).get("config") or {},
    )


@pytest.fixture(scope="session")
def container(image: str) -> Iterator[str]:
    """A working container of the image, for `buildah run` (removed at the end)."""
    name = f"interview-bot-test-{uuid.uuid4().hex[:8]}"
    buildah("from", "--name", name, image)
    try:
        yield name
    finally:
        buildah("rm", name, check=False)


def run(
    container: str, *command: str, timeout: float = 120, offline: bool = False
) -> subprocess.CompletedProcess[str]:
    """`command` in the container, as the image's user, with only the image's environment:
    buildah passes nothing of this process's environment on. buildah's chroot isolation
    shares this process's network; `offline` runs it in a new, empty network namespace."""
    command_line = [*BUILDAH, "run", "--isolation", "chroot", container, "--", *command]
    if offline:
        command_line = ["unshare", "--net", *command_line]
    return subprocess.run(
        command_line, capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )


def test_ask_answers_from_the_bundled_article_offline(container: str) -> None:
    question = "ロボットが外科医を超えるのはいつ?"
    done = run(container, "interview-bot", "ask", "--json", question, offline=True)
    assert done.returncode == 0, done.stderr
    assert "lexical" not in done.stderr  # the encoder's model is in the image: hybrid
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    answer = json.loads(lines[0])
    assert answer["question"] == "ロボットが外科医を超えるのはいつ?"
    assert answer["answered"] is True
    assert answer["hits"][0]["section"] == 5


def test_runs_as_a_non_root_user(container: str, config: dict[str, Any]) -> None:
    done = run(container, "id", "-u")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) != 0
    user = config.get("User", "")
    assert user and user.split(":")[0] not in ("0", "root"), user


def test_entrypoint_command_and_stop_signal(config: dict[str, Any]) -> None:
    assert config.get("Entrypoint") == ["interview-bot"]
    assert config.get("Cmd") == ["run"]
    assert config.get("StopSignal") == "SIGTERM"
    env = dict(item.split("=", 1) for item in config.get("Env", []))
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"


HEALTHCHECK = ["CMD", "interview-bot", "health"]


def test_the_image_has_the_healthcheck(config: dict[str, Any]) -> None:
    check = config["_docker"].get("Healthcheck") or {}
    assert check.get("Test") == HEALTHCHECK, config["_docker"]


def test_health_without_a_running_bot_says_so_in_one_line_and_exits_1(container: str) -> None:
    done = run(container, "sh", "-c", "interview-bot health 2>&1")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout.splitlines() == [
        "no status at /tmp/interview-bot-10001.status: the bot is not running"
    ]


def test_no_token_or_secret_baked_in(config: dict[str, Any]) -> None:
    env = dict(item.split("=", 1) for item in config.get("Env", []))
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"):
        assert name not in env
        # nor in a label, nor set by any step of the build (ENV, ARG, RUN)
        assert name not in json.dumps(config.get("Labels") or {})
        for step in config["_history"]:
            assert f"{name}=" not in step.get("created_by", ""), step


def test_run_without_a_token_exits_2_with_one_line(container: str) -> None:
    # The bot's stderr alone, as stdout (buildah adds lines of its own to stderr).
    done = run(container, "sh", "-c", "interview-bot run 2>&1 >/dev/null")
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert lines[0].startswith("interview-bot: error: ")
    assert "TELEGRAM_BOT_TOKEN" in lines[0]


def test_image_size(config: dict[str, Any], image: str, capsys: pytest.CaptureFixture[str]) -> None:
    size = sum(layer["size"] for layer in config["_manifest"]["layers"])  # uncompressed
    with capsys.disabled():
        print(f"\n{image}: {size / 1e6:.0f} MB in {len(config['_manifest']['layers'])} layers")
    assert 0 < size < MAX_IMAGE_BYTES


def _descendants(pid: int) -> list[int]:
    """The processes under `pid` (buildah's chroot isolation shares this PID namespace)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _is_bot(pid: int) -> bool:
    """The Python process of the `interview-bot` console script (not buildah's helpers)."""
    argv = _cmdline(pid)
    return (
        len(argv) > 1
        and Path(argv[0]).name.startswith("python")
        and argv[1].endswith("/interview-bot")
    )


def test_default_command_stops_on_sigterm(
    container: str, config: dict[str, Any], tmp_path: Path
) -> None:
    """The default command (entrypoint + cmd) retries the unreachable Bot API; SIGTERM ends it
    cleanly (exit 0) within 5 s.

    `buildah run` does not pass SIGTERM on (it kills its child), so the signal goes to the bot's
    own process, as a container engine would send it to PID 1 with `docker stop`."""
    command = [*config["Entrypoint"], *config["Cmd"]]
    log = tmp_path / "bot.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                *BUILDAH,
                "run",
                "--isolation",
                "chroot",
                f"--env=TELEGRAM_BOT_TOKEN={FAKE_TOKEN}",
                f"--env=TELEGRAM_BASE_URL={NOWHERE}",
                container,
                "--",
                *command,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    bot: int | None = None
    started = 0.0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            text = log.read_text(encoding="utf-8", errors="replace")
            if "answering questions" in text and bot is None:
                bot = next((p for p in _descendants(proc.pid) if _is_bot(p)), None)
                started = time.monotonic()
            if bot is not None and time.monotonic() - started > 1.5:
                break  # retrying the Bot API, its signal handlers in place
            time.sleep(0.1)
        assert proc.poll() is None, f"the bot ended before SIGTERM:\n{log.read_text()}"
        assert bot is not None, f"no bot process found under buildah run:\n{log.read_text()}"
        sent = time.monotonic()
        os.kill(bot, signal.SIGTERM)
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 5 s after SIGTERM:\n{log.read_text()}")
        took = time.monotonic() - sent
        assert code == 0, f"exit {code} after SIGTERM:\n{log.read_text()}"
        assert took < 5
    finally:
        if proc.poll() is None:
            for pid in _descendants(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc.kill()
            proc.wait(timeout=30)
