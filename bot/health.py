"""Whether the bot is connected and answering. The running bot keeps a small status file up to
date (INTERVIEW_BOT_STATUS) and, with a webhook, answers GET /healthz from the same status;
`interview-bot health` reads the file, checks it (it is data, never code) and says so in one
line."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from bot import messages

STATUS_EVERY = 10.0  # seconds between the status file's writes
STALE = 60.0  # a status older than this: the bot is stuck, or gone
OUT_OF_TOUCH = 90.0  # no response from the Bot API for this long: not connected
LATE = 60.0  # an update unanswered for this long: not answering
# With a webhook, Telegram calls only when there is news: when no response of the Bot API
# came for this long, the bot asks it (getWebhookInfo), so that the status shows the link.
ASK_EVERY = 30.0


class HealthError(Exception):
    """The status cannot be read: one line saying why."""


@dataclass(frozen=True)
class Status:
    """The running bot's state, as its status file holds it (times are Unix times)."""

    pid: int
    mode: str  # "polling" or "webhook"
    started: float
    written: float
    contact: float | None  # the last response of the Bot API
    waiting_since: float | None  # when the oldest update not answered yet came
    answered: int  # updates answered since the start


def verdict(status: Status, now: float) -> tuple[bool, str]:
    """Whether the bot is healthy, and one line saying so or why not."""
    if now - status.written > STALE:
        return False, messages.HEALTH_STALE.format(ago=now - status.written)
    if status.contact is None:
        return False, messages.HEALTH_NEVER_CONNECTED.format(ago=now - status.started)
    if now - status.contact > OUT_OF_TOUCH:
        return False, messages.HEALTH_OUT_OF_TOUCH.format(ago=now - status.contact)
    if status.waiting_since is not None and now - status.waiting_since > LATE:
        return False, messages.HEALTH_LATE.format(ago=now - status.waiting_since)
    ago = now - status.contact
    return True, messages.HEALTH_OK.format(mode=status.mode, ago=ago, answered=status.answered)


def default_path() -> Path:
    """Where the status file is, unless INTERVIEW_BOT_STATUS says: one per user."""
    return Path(tempfile.gettempdir()) / f"interview-bot-{os.getuid()}.status"


def write(path: Path, status: Status) -> None:
    """Replace the status file at once (a reader never sees half of one)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(asdict(status), file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def read(path: Path) -> Status:
    """The status in the file at `path`, checked field by field; HealthError if there is
    none or it is not one."""
    try:
        with path.open("rb") as file:
            data = json.loads(file.read(4096))
    except FileNotFoundError:
        raise HealthError(messages.HEALTH_NO_STATUS.format(path=path)) from None
    except OSError as exc:
        raise HealthError(
            messages.HEALTH_UNREADABLE.format(path=path, reason=exc.strerror)
        ) from None
    except ValueError:  # (UnicodeDecodeError too)
        raise HealthError(messages.HEALTH_NOT_STATUS.format(path=path)) from None
    if not isinstance(data, dict):
        raise HealthError(messages.HEALTH_NOT_STATUS.format(path=path))
    checked: dict[str, Any] = {}
    for field in fields(Status):
        value = data.get(field.name)
        kinds = {"int": (int,), "str": (str,), "float": (int, float)}.get(
            str(field.type), (int, float, type(None))
        )
        if type(value) not in kinds or (type(value) is float and not math.isfinite(value)):
            raise HealthError(messages.HEALTH_NOT_STATUS.format(path=path) + f" (its {field.name})")
        checked[field.name] = value
    return Status(**checked)


def alive(pid: int) -> bool:
    """Whether a process `pid` runs (and may be signalled by this user, or not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check(path: Path, now: float | None = None) -> tuple[bool, str]:
    """`interview-bot health`: whether the bot that writes `path` is healthy, in one line."""
    try:
        status = read(path)
    except HealthError as exc:
        return False, str(exc)
    if not alive(status.pid):
        return False, messages.HEALTH_GONE.format(pid=status.pid)
    return verdict(status, time.time() if now is None else now)
