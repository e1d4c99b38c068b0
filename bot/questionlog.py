"""The question log: what users asked, how it went, and their votes, in SQLite (off unless
INTERVIEW_BOT_LOG names a file). Nothing in it names a user or a chat: each is a keyed hash,
enough to count distinct users and to tie a vote to its answer. WAL mode, so several bot
processes on one host write one file. A log that cannot be written never stops an answer:
the first failure is logged once and answering goes on."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.session import SHOWN, Answered, SectionDone
from bot.settings import Settings

log = logging.getLogger(__name__)

DAY = 86_400.0
LOCK_WAIT = 5.0  # seconds a write waits for another process's lock, then gives up
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id TEXT PRIMARY KEY,      -- what a vote button names
    at REAL NOT NULL,         -- Unix time
    text TEXT NOT NULL,
    chat TEXT NOT NULL,       -- private, group, console
    outcome TEXT NOT NULL,    -- answered, unsure, declined, follow-up
    sections TEXT NOT NULL,   -- JSON: the sections shown, best first
    passages TEXT NOT NULL,   -- JSON: the passage ids shown
    probability REAL,         -- that the article answers (hybrid), else NULL
    user TEXT NOT NULL,       -- keyed hash of the user
    vote INTEGER              -- 1 (👍), -1 (👎), NULL
);
CREATE INDEX IF NOT EXISTS questions_at ON questions (at);
"""
OUTCOMES = ("answered", "unsure", "declined", "follow-up")


@dataclass(frozen=True)
class Entry:
    """One question, as the log keeps it."""

    text: str
    chat: str
    outcome: str
    sections: tuple[int, ...]
    passages: tuple[str, ...]
    probability: float | None
    user: str  # a keyed hash (QuestionLog.user)


class QuestionLog:
    """One SQLite log file, written by this process (safe beside others on the host)."""

    def __init__(self, path: Path, retention_days: float = 30.0, key: str = "") -> None:
        self.path = path
        self.retention = retention_days * DAY
        self._key = hashlib.sha256(f"interview-bot log\0{key}".encode()).digest()
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._failed = False
        self._pruned = 0.0

    def user(self, kind: str, user_id: int | None) -> str:
        """The keyed hash that stands for a user (no id can be read back from it)."""
        return hmac.new(self._key, f"{kind}:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]

    def record(self, entry: Entry) -> str | None:
        """Write `entry`; its id (what a vote names), or None when the log cannot be written."""
        ref = secrets.token_hex(6)
        sections, passages = json.dumps(list(entry.sections)), json.dumps(list(entry.passages))
        row = (ref, time.time(), entry.text, entry.chat, entry.outcome, sections, passages)
        ok = self._write(
            "INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (*row, entry.probability, entry.user),
        )
        return ref if ok else None

    def vote(self, ref: str, vote: int) -> bool:
        """Set the vote on the answer `ref` names (a second press changes it)."""
        return self._write("UPDATE questions SET vote = ? WHERE id = ?", (vote, ref))

    def _write(self, sql: str, row: tuple[object, ...]) -> bool:
        with self._lock:
            try:
                connection = self._connect()
                with connection:
                    connection.execute(sql, row)
                if time.time() - self._pruned > 3600:  # retention: at start, then hourly
                    self._pruned = time.time()
                    with connection:
                        connection.execute(
                            "DELETE FROM questions WHERE at < ?", (time.time() - self.retention,)
                        )
            except (sqlite3.Error, OSError) as exc:
                if not self._failed:
                    log.warning("the question log %s cannot be written: %s", self.path, exc)
                self._failed = True
                self._close()
                return False
        if self._failed:
            log.info("the question log %s is written again", self.path)
            self._failed = False
        return True

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=LOCK_WAIT, check_same_thread=False)
            try:
                _set_up(connection)
            except sqlite3.Error:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._close()


def _set_up(connection: sqlite3.Connection) -> None:
    """WAL mode and the schema. Processes opening a new log at once can find it locked without
    SQLite waiting for them (switching the journal mode; a reader of the schema upgrading to
    writer), so this tries again until LOCK_WAIT has passed."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def entry(
    reply: Answered | SectionDone, text: str, chat: str, user: str, shown: int = SHOWN
) -> Entry:
    """What the log keeps of one reply of the session (which showed `shown` hits at most)."""
    if isinstance(reply, SectionDone):
        return Entry(text, chat, "follow-up", (reply.number,), (), None, user)
    answer = reply.answer
    hits = answer.hits[: answer.shown(shown)]
    if reply.follows:
        outcome = "follow-up"
    elif not answer.answered:
        outcome = "declined"
    else:
        outcome = "unsure" if answer.confidence == "low" else "answered"
    sections = tuple(dict.fromkeys(hit.passage.section for hit in hits))
    passages = tuple(hit.passage.id for hit in hits)
    return Entry(text, chat, outcome, sections, passages, answer.probability, user)


def question_log(settings: Settings) -> QuestionLog | None:
    """The log the settings ask for (INTERVIEW_BOT_LOG), its hashes keyed by the bot's token
    (so that they cannot be recomputed from the file alone); None when it is off."""
    return QuestionLog(settings.log, settings.log_days, settings.token) if settings.log else None
