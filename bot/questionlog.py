"""The question log: what users asked, how it went, and their votes, in SQLite (off unless
INTERVIEW_BOT_LOG names a file). Nothing in it names a user or a chat: each is a keyed hash,
enough to count distinct users and to tie a vote to its answer. WAL mode, so several bot
processes on one host write one file. Nobody waits for it: writes are queued and made by a
thread of their own (QuestionLog); a log that cannot be written is one warning, its rows wait
in memory, and answering goes on."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.session import SHOWN, Answered, SectionDone
from bot.settings import Settings

log = logging.getLogger(__name__)

DAY = 86_400.0
LOCK_WAIT = 5.0  # seconds of another process's lock before the log says it waits
BUSY_WAIT = 0.2  # seconds SQLite waits for a lock at a time (the writer then tries again)
PENDING = 10_000  # rows waiting in memory at most while the file is locked or failing
BATCH = 200  # rows written in one transaction
RETENTION_BATCH = 500  # expired rows deleted in one transaction
RETRY = 0.5  # seconds between attempts after a failure other than a lock
STOP_BUDGET = 1.0  # seconds `ask` and `chat` give queued rows when they end
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id TEXT PRIMARY KEY,      -- what a vote button names (signed: QuestionLog.ref)
    at REAL NOT NULL,         -- Unix time
    text TEXT NOT NULL,
    chat TEXT NOT NULL,       -- private, group, console
    outcome TEXT NOT NULL,    -- answered, unsure, declined, follow-up
    sections TEXT NOT NULL,   -- JSON: the sections shown, best first
    passages TEXT NOT NULL,   -- JSON: the passage ids shown
    probability REAL,         -- that the article answers (hybrid), else NULL
    user TEXT NOT NULL,       -- keyed hash of the user
    vote INTEGER              -- schema 0's vote, NULL since schema 1 (see votes)
);
CREATE INDEX IF NOT EXISTS questions_at ON questions (at);
CREATE TABLE IF NOT EXISTS votes (
    answer TEXT NOT NULL,     -- the question's id, whichever replica's log holds it
    user TEXT NOT NULL,       -- keyed hash of the user who pressed
    vote INTEGER NOT NULL,    -- 1 (👍), -1 (👎)
    at REAL NOT NULL,
    PRIMARY KEY (answer, user)
);
CREATE INDEX IF NOT EXISTS votes_at ON votes (at);
"""
# Schema 0 kept one vote per question in questions.vote: it moves to votes, as the asker's.
MIGRATE = (
    "INSERT OR IGNORE INTO votes SELECT id, user, vote, at FROM questions WHERE vote IN (1, -1)",
    "UPDATE questions SET vote = NULL WHERE vote IS NOT NULL",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
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


@dataclass
class _Job:
    """A write waiting for the writer thread: run on the open connection inside a
    transaction, its result (rows changed) handed to `done` once committed."""

    run: Callable[[sqlite3.Connection], object]
    done: Future[Any] | None = field(default=None)


class QuestionLog:
    """One SQLite log file, written by this process (safe beside others on the host). Every
    write is queued and made by one writer thread, so no caller waits for the disk or for
    another process's lock: while the file is locked or failing, rows wait in memory (at most
    `pending`) and are written when it clears."""

    def __init__(
        self, path: Path, retention_days: float = 30.0, key: str = "", pending: int = PENDING
    ) -> None:
        self.path = path
        self.retention = retention_days * DAY
        self.pending = pending
        self._key = hashlib.sha256(f"interview-bot log\0{key}".encode()).digest()
        self._queue: deque[_Job] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._deadline: float | None = None  # set by close(): the writer stops by then
        self._dropped = 0
        self._connection: sqlite3.Connection | None = None
        self._opened: tuple[int, int] | None = None  # (st_dev, st_ino) of the open file
        self._failing_since: float | None = None
        self._locked = False  # the last failure was another process's lock
        self._warned = False
        self._pruned = 0.0  # when the last retention pass ended (0: due at start)

    def user(self, kind: str, user_id: int | None) -> str:
        """The keyed hash that stands for a user (no id can be read back from it)."""
        return hmac.new(self._key, f"{kind}:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]

    def ref(self) -> str:
        """A new answer id: 12 random hex digits and their keyed hash (12 more), so that any
        replica with the same token can tell an id one of them made from a forged one."""
        nonce = secrets.token_hex(6)
        return nonce + self._mac(nonce)

    def genuine(self, ref: str) -> bool:
        """Whether `ref` is an id made by ref() with this log's key."""
        nonce, mac = ref[:12], ref[12:]
        return len(ref) == 24 and hmac.compare_digest(mac, self._mac(nonce))

    def _mac(self, nonce: str) -> str:
        return hmac.new(self._key, f"answer:{nonce}".encode(), hashlib.sha256).hexdigest()[:12]

    def record(self, entry: Entry) -> str:
        """Queue `entry`; its id (what a vote names). Never waits."""
        ref = self.ref()
        sections, passages = json.dumps(list(entry.sections)), json.dumps(list(entry.passages))
        row = (ref, time.time(), entry.text, entry.chat, entry.outcome, sections, passages)
        values = (*row, entry.probability, entry.user)
        self._put(
            _Job(
                lambda c: (
                    c.execute(
                        "INSERT OR IGNORE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        values,
                    ).rowcount
                )
            )
        )
        return ref

    def vote(self, ref: str, user: str, vote: int) -> bool:
        """Queue `user`'s vote on the answer `ref` names (their earlier vote on it changes;
        nobody else's). False, and nothing queued, when `ref` is not genuine. Never waits:
        the answer's row may be in another replica's log, and `report` joins them."""
        if not self.genuine(ref):
            return False
        values = (ref, user, vote, time.time())
        self._put(
            _Job(
                lambda c: (
                    c.execute(
                        "INSERT INTO votes VALUES (?, ?, ?, ?) ON CONFLICT (answer, user)"
                        " DO UPDATE SET vote = excluded.vote, at = excluded.at",
                        values,
                    ).rowcount
                )
            )
        )
        return True

    def forget(self, user: str) -> Future[tuple[int, int]]:
        """Delete `user`'s questions and votes (and the votes on their questions) once what
        is queued before is written: a future of how many questions and votes it deleted."""

        def run(connection: sqlite3.Connection) -> tuple[int, int]:
            votes = connection.execute(
                "DELETE FROM votes WHERE user = ? OR answer IN"
                " (SELECT id FROM questions WHERE user = ?)",
                (user, user),
            ).rowcount
            questions = connection.execute("DELETE FROM questions WHERE user = ?", (user,))
            return questions.rowcount, votes

        done: Future[tuple[int, int]] = Future()
        if not self._put(_Job(run, done)):
            done.set_exception(OSError("the question log is full"))
        return done

    def flush(self, timeout: float) -> bool:
        """Wait until every queued row is written (True), or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._queue:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    def close(self, budget: float = STOP_BUDGET) -> int:
        """Write what is queued within `budget` seconds, then close the file: how many rows
        could not be written (counted in one log line)."""
        with self._wake:
            self._deadline = time.monotonic() + budget
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(budget + BUSY_WAIT + 0.5)
        with self._wake:
            left, dropped = len(self._queue), self._dropped
            for job in self._queue:
                _settle(job.done, error=OSError("the question log was closed"))
            self._queue.clear()
        if left or dropped:
            log.warning(
                "%d rows were not written to the question log %s: %d still queued at the "
                "stop (locked or failing), %d dropped while it was behind",
                left + dropped,
                self.path,
                left,
                dropped,
            )
        if thread is None or not thread.is_alive():
            self._close()
        return left + dropped

    def _put(self, job: _Job) -> bool:
        with self._wake:
            if self._deadline is not None:  # closed
                return False
            if len(self._queue) >= self.pending:
                if not self._dropped:
                    log.warning(
                        "the question log %s is %d rows behind: newer rows are dropped until "
                        "it catches up",
                        self.path,
                        len(self._queue),
                    )
                self._dropped += 1
                return False
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_all, name="question-log", daemon=True
                )
                self._thread.start()
            self._wake.notify_all()
        return True

    def _write_all(self) -> None:
        """The writer thread: queued rows first, a batch at a time; retention in between."""
        while True:
            with self._wake:
                while not self._queue and not self._stopping() and not self._retention_due():
                    self._wake.wait(max(1.0, self._pruned + 3600 - time.time()))
                idle = not self._queue and not self._retention_due()
                if self._stopping() and (idle or self._past_deadline()):
                    return
                batch = [self._queue[n] for n in range(min(BATCH, len(self._queue)))]
            written = self._attempt(batch) if batch else True
            if written and batch:
                with self._wake:
                    for _ in batch:
                        self._queue.popleft()
                    self._wake.notify_all()
            if written and self._retention_due() and not self._past_deadline():
                written = self._attempt([], prune=True)
            if not written and not self._locked:  # (a lock was waited for inside SQLite)
                with self._wake:
                    self._wake.wait(RETRY)

    def _stopping(self) -> bool:
        return self._deadline is not None

    def _past_deadline(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _retention_due(self) -> bool:
        return time.time() - self._pruned > 3600

    def _attempt(self, batch: list[_Job], prune: bool = False) -> bool:
        """One transaction: `batch`, or a batch of retention. Whether it was committed."""
        try:
            connection = self._connect()
            results = []
            connection.execute("BEGIN IMMEDIATE")
            try:
                results = [job.run(connection) for job in batch]
                if prune:
                    self._prune(connection)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
            return False
        for job, result in zip(batch, results, strict=True):
            _settle(job.done, result)
        if self._failing_since is not None and self._warned:
            log.info("the question log %s is written again", self.path)
        self._failing_since, self._warned = None, False
        return True

    def _prune(self, connection: sqlite3.Connection) -> None:
        """Delete up to RETENTION_BATCH expired questions and as many votes; once fewer are
        left, the pass is over until the next hour."""
        cutoff = time.time() - self.retention
        deleted = 0
        for table in ("questions", "votes"):
            deleted += connection.execute(
                f"DELETE FROM {table} WHERE rowid IN"
                f" (SELECT rowid FROM {table} WHERE at < ? LIMIT ?)",
                (cutoff, RETENTION_BATCH),
            ).rowcount
        if deleted < RETENTION_BATCH:
            self._pruned = time.time()

    def _failed(self, exc: Exception) -> None:
        """A lock is waited for in silence up to LOCK_WAIT; any failure past it, or of
        another kind, is one warning until the log is written again."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        locked = isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode in (
            sqlite3.SQLITE_BUSY,
            sqlite3.SQLITE_LOCKED,
        )
        self._locked = locked
        if not locked:
            self._close()
        if not self._warned and (not locked or now - self._failing_since >= LOCK_WAIT):
            self._warned = True
            with self._wake:
                waiting = len(self._queue)
            log.warning(
                "the question log %s cannot be written: %s (%d rows wait in memory)",
                self.path,
                exc,
                waiting,
            )

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._replaced():
            log.warning("the question log %s was deleted or replaced: opening it again", self.path)
            self._close()
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=BUSY_WAIT, isolation_level=None, check_same_thread=False
            )
            try:
                _set_up(connection)
                stat = os.stat(self.path)
            except (sqlite3.Error, OSError):
                connection.close()
                raise
            self._connection, self._opened = connection, (stat.st_dev, stat.st_ino)
        return self._connection

    def _replaced(self) -> bool:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (stat.st_dev, stat.st_ino) != self._opened

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _settle(
    done: Future[Any] | None, result: object = None, error: Exception | None = None
) -> None:
    """Hand a job's result (or error) to whoever waits for it, unless they stopped waiting
    (or close() and the writer both got to it)."""
    with contextlib.suppress(RuntimeError, InvalidStateError):
        if done is not None and done.set_running_or_notify_cancel():
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)


def _set_up(connection: sqlite3.Connection) -> None:
    """WAL mode, the schema, and an older schema's rows moved to this one. Processes opening
    a new log at once can find it locked without SQLite waiting for them (switching the
    journal mode; a reader of the schema upgrading to writer): the writer tries again."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.execute(statement)
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version < SCHEMA_VERSION:
            for statement in MIGRATE:
                connection.execute(statement)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def entry(
    reply: Answered | SectionDone, text: str, chat: str, user: str, shown: int = SHOWN
) -> Entry:
    """What the log keeps of one reply of the session (which showed `shown` hits at most)."""
    if isinstance(reply, SectionDone):
        return Entry(text, chat, "follow-up", reply.sections or (reply.number,), (), None, user)
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
