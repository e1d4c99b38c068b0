"""The question log (a real SQLite file) and `interview-bot report` over it."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import questionlog
from bot.questionlog import Entry, QuestionLog
from index.evaluate import QuestionFileError, load_questions
from index.memory import MemoryFileError, load_examples

DAY = 86_400.0


def run(
    *argv: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot.cli", *argv]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def rows(path: Path) -> list[tuple[object, ...]]:
    """Each question, with the sum of its votes (None: none)."""
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT text, chat, outcome, sections, passages, user,"
            " (SELECT sum(vote) FROM votes WHERE answer = id) FROM questions ORDER BY at"
        ).fetchall()


def entry(
    text: str, outcome: str = "answered", user: str = "u1", sections: tuple[int, ...] = (5,)
) -> Entry:
    return Entry(text, "private", outcome, sections, tuple(f"{s}-1" for s in sections), 0.9, user)


def test_questions_and_votes_are_kept(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "log" / "q.db")
    ref = log.record(entry("ロボットは外科医を超える?"))
    log.record(entry("天気は?", "declined", sections=()))
    assert log.vote(ref, "u1", 1) and log.vote(ref, "u1", -1)  # a second press changes it
    assert log.close() == 0
    assert rows(tmp_path / "log" / "q.db") == [
        ("ロボットは外科医を超える?", "private", "answered", "[5]", '["5-1"]', "u1", -1),
        ("天気は?", "private", "declined", "[]", "[]", "u1", None),
    ]
    with sqlite3.connect(tmp_path / "log" / "q.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_users_are_keyed_hashes(tmp_path: Path) -> None:
    one, other = QuestionLog(tmp_path / "a.db", key="k1"), QuestionLog(tmp_path / "b.db", key="k2")
    assert one.user("telegram", 4242) == one.user("telegram", 4242) != one.user("telegram", 4243)
    assert one.user("telegram", 4242) != other.user(
        "telegram", 4242
    )  # not recomputable without the key
    assert "4242" not in one.user("telegram", 4242)


def test_retention_deletes_old_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_800_000_000.0
    monkeypatch.setattr(questionlog.time, "time", lambda: now)
    log = QuestionLog(tmp_path / "q.db", retention_days=30)
    log.record(entry("古い質問"))
    now += 29 * DAY
    log.record(entry("まだ新しい質問"))
    log.close()
    now += 2 * DAY  # the first is 31 days old, the second 2
    log = QuestionLog(tmp_path / "q.db", retention_days=30)  # (retention: at start)
    log.record(entry("今日の質問"))
    log.close()
    assert [r[0] for r in rows(tmp_path / "q.db")] == ["まだ新しい質問", "今日の質問"]


@pytest.mark.parametrize("where", ["a-file/q.db", "/dev/full"])
def test_a_log_that_cannot_be_written_never_stops_an_answer(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    path = where if where.startswith("/") else str(tmp_path / where)
    result = run(
        "--retrieval",
        "lexical",
        "--log",
        path,
        "ask",
        "-",
        stdin="学歴の価値は?\nビットコインの価格はいくらですか\n",
    )
    assert result.returncode == 0
    assert result.stdout.count("§3") >= 1 and "見つかりませんでした" in result.stdout
    assert result.stderr.count("cannot be written") == 1  # said once, then quiet
    assert "Traceback" not in result.stderr


def test_two_processes_writing_one_log_lose_nothing(tmp_path: Path) -> None:
    log = tmp_path / "q.db"
    questions = "".join(f"大学の授業料は{n}年でどれだけ上がった?\n" for n in range(40))
    command = [
        sys.executable,
        "-m",
        "bot.cli",
        "--retrieval",
        "lexical",
        "--log",
        str(log),
        "ask",
        "-",
    ]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(questions.encode())
        proc.stdin.close()
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    assert len(rows(log)) == 80


def test_chat_logs_its_questions_as_console(tmp_path: Path) -> None:
    log = tmp_path / "q.db"
    result = run(
        "--retrieval",
        "lexical",
        "chat",
        "--log",
        str(log),
        stdin="学歴の価値は?\nもっと詳しく\n/sections\n",
    )
    assert result.returncode == 0
    logged = rows(log)
    assert [(r[0], r[1], r[2]) for r in logged] == [
        ("学歴の価値は?", "console", "answered"),
        ("もっと詳しく", "console", "follow-up"),
    ]


def test_report_counts_what_the_log_holds(tmp_path: Path) -> None:
    first, second = QuestionLog(tmp_path / "a.db"), QuestionLog(tmp_path / "b.db")
    good = first.record(entry("ロボットは外科医を超える?", user="u1"))
    first.record(entry("天気は?", "declined", user="u1", sections=()))
    second.record(entry("天気は？", "declined", user="u2", sections=()))  # the same question
    bad = second.record(entry("教育はどうなる", "unsure", user="u2", sections=(3, 4)))
    assert first.vote(good, "u1", 1) and second.vote(bad, "u2", -1)
    first.close(), second.close()
    exported = tmp_path / "missed.jsonl"
    result = run(
        "report",
        "--json",
        "--export",
        str(exported),
        str(tmp_path / "a.db"),
        str(tmp_path / "b.db"),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["logs"], report["questions"], report["users"]) == (2, 4, 2)
    assert report["outcomes"] == {"answered": 1, "unsure": 1, "declined": 2, "follow-up": 0}
    assert (report["up"], report["down"]) == (1, 1)
    assert report["declined"][0]["count"] == 2 and report["declined"][0]["question"].startswith(
        "天気は"
    )
    assert report["disliked"] == [{"question": "教育はどうなる", "count": 1}]
    assert report["sections"] == {"3": 1, "4": 1, "5": 1}
    assert report["days"][0]["questions"] == 4
    missed = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert sorted(q["question"][:3] for q in missed) == ["天気は", "教育は"]
    # Not yet labelled: no "sections" (an empty list would say the article does not answer),
    # so that eval and --memory refuse them until a person labels them.
    assert all(q["unlabelled"] is True and "sections" not in q for q in missed)
    with pytest.raises(QuestionFileError, match=r"missed\.jsonl:1: .*not labelled yet"):
        load_questions(exported)
    with pytest.raises(MemoryFileError, match=r"missed\.jsonl:1: .*not labelled yet"):
        load_examples(exported)
    labelled = [{**q, "sections": [], "evidence": []} for q in missed]
    for q in labelled:
        del q["unlabelled"]
    exported.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in labelled))
    assert len(load_questions(exported)) == len(load_examples(exported)) == 2
    later = run("report", "--json", "--since", "2999-01-01", str(tmp_path / "a.db"))
    assert json.loads(later.stdout)["questions"] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report"], "INTERVIEW_BOT_LOG"),
        (["report", "/nonexistent/q.db"], "no question log"),
        (["report", "--since", "yesterday", "/nonexistent/q.db"], "--since"),
        (["report", "README.md"], "not a question log"),
    ],
)
def test_report_errors_are_one_line(argv: list[str], message: str) -> None:
    result = run(*argv, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


# Schema 0, as logs written before votes had a table of their own are.
SCHEMA_0 = """
CREATE TABLE questions (
    id TEXT PRIMARY KEY, at REAL NOT NULL, text TEXT NOT NULL, chat TEXT NOT NULL,
    outcome TEXT NOT NULL, sections TEXT NOT NULL, passages TEXT NOT NULL, probability REAL,
    user TEXT NOT NULL, vote INTEGER
);
CREATE INDEX questions_at ON questions (at);
"""


def test_retention_deletes_in_small_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "q.db"
    log = QuestionLog(path, retention_days=30)
    log.record(entry("今日の質問"))
    log.close()
    old = [(f"old{n}", 1.0e9 + n, "古い質問", "private", "answered", "[]", "[]", None, "u")
           for n in range(95)]  # fmt: skip
    with sqlite3.connect(path) as connection:
        connection.executemany("INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,NULL)", old)
    deletes: list[str] = []
    connect = sqlite3.connect

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)  # type: ignore[arg-type]
        connection.set_trace_callback(
            lambda sql: deletes.append(sql) if sql.startswith("DELETE FROM questions") else None
        )
        return connection

    monkeypatch.setattr(questionlog, "RETENTION_BATCH", 10, raising=False)
    monkeypatch.setattr(questionlog.sqlite3, "connect", traced)
    log = QuestionLog(path, retention_days=30)  # retention: at start
    log.record(entry("明日の質問"))
    assert log.close(budget=30) == 0
    assert [r[0] for r in rows(path)] == ["今日の質問", "明日の質問"]
    assert len(deletes) == 10  # 95 rows, 10 at a time (each in its own transaction)


def test_a_full_queue_drops_rows_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    log = QuestionLog(tmp_path / "a-file" / "q.db", pending=5)
    for n in range(12):
        log.record(entry(f"質問{n}"))
    assert log.close(budget=0.1) == 12
    said = [r.getMessage() for r in caplog.records]
    assert sum("newer rows are dropped" in line for line in said) == 1
    assert sum("cannot be written" in line for line in said) == 1
    assert [line for line in said if "not written" in line] == [
        f"12 rows were not written to the question log {tmp_path}/a-file/q.db: 5 still queued"
        " at the stop (locked or failing), 7 dropped while it was behind"
    ]


def test_answer_ids_are_signed_and_votes_one_per_user(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "a.db", key="token")
    replica = QuestionLog(tmp_path / "b.db", key="token")  # another replica of the same bot
    other = QuestionLog(tmp_path / "c.db", key="another token")
    ref = log.record(entry("ロボットは外科医を超える?"))
    assert len(f"v:+:{ref}".encode()) <= 64
    assert replica.genuine(ref) and not other.genuine(ref)
    for forged in (ref[:-1] + ("1" if ref[-1] == "0" else "0"), ref[:12], "", "x" * 24):
        assert not replica.vote(forged, "u2", 1)
    assert replica.vote(ref, "u1", 1) and replica.vote(ref, "u2", -1)
    assert replica.vote(ref, "u1", -1)  # u1 changes their own vote, not u2's
    log.close(), replica.close(), other.close()
    with sqlite3.connect(tmp_path / "b.db") as connection:
        votes = connection.execute("SELECT answer, user, vote FROM votes ORDER BY user").fetchall()
    assert votes == [(ref, "u1", -1), (ref, "u2", -1)]


def test_an_old_log_is_upgraded_in_place(tmp_path: Path) -> None:
    path, now = tmp_path / "q.db", time.time()
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA_0)
        connection.executemany(
            "INSERT INTO questions VALUES (?, ?, ?, 'private', ?, '[5]', '[]', NULL, ?, ?)",
            [
                ("aaa111bbb222", now - 3, "通貨は?", "answered", "u1", 1),
                ("ccc333ddd444", now - 2, "教育は?", "unsure", "u2", -1),
                ("eee555fff666", now - 1, "天気は?", "declined", "u1", None),
            ],
        )
    before = json.loads(run("report", "--json", str(path)).stdout)  # read as it is
    assert (before["up"], before["down"], before["questions"]) == (1, 1, 3)
    log = QuestionLog(path)
    log.record(entry("授業料は?"))
    assert log.close() == 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (1,)
        assert connection.execute(
            "SELECT answer, user, vote FROM votes ORDER BY vote"
        ).fetchall() == [
            ("ccc333ddd444", "u2", -1),
            ("aaa111bbb222", "u1", 1),
        ]
        assert connection.execute("SELECT count(vote) FROM questions").fetchone() == (0,)
    after = json.loads(run("report", "--json", str(path)).stdout)
    assert (after["up"], after["down"], after["questions"]) == (1, 1, 4)
    assert after["disliked"] == [{"question": "教育は?", "count": 1}]


def test_ask_with_the_log_locked_answers_and_counts_what_it_could_not_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.db"
    log = QuestionLog(path)
    log.record(entry("最初の質問"))
    log.close()
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as holder:  # a lock
        holder.execute("BEGIN IMMEDIATE")
        result = run(
            "--retrieval", "lexical", "--log", str(path), "ask", "-",
            stdin="大学の授業料は?\n将来の世界の通貨は何になる\n",
        )  # fmt: skip
        holder.execute("COMMIT")
    assert result.returncode == 0 and result.stdout.count("§") >= 2
    lines = [line for line in result.stderr.splitlines() if "not written" in line]
    assert len(lines) == 1 and "2 rows were not written" in lines[0]
    assert "Traceback" not in result.stderr


CONTROL = "\x1b]0;pwned\x07\x1b[2J"  # retitles the terminal, clears the screen


def test_report_prints_control_characters_as_escapes_and_skips_undecodable_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.db"
    log = QuestionLog(path)
    texts = [f"質問{CONTROL}", "99\r12", "abc\u202edef\u2066", "x\x9by\u2028z", "one\nok: 5"]
    for text in texts:
        log.record(entry(text, "declined", sections=()))
    log.close()
    with sqlite3.connect(path) as connection:  # another tool's invalid UTF-8
        connection.execute(
            "INSERT INTO questions VALUES ('bad', 1.79e9, CAST(X'e381ff' AS TEXT), 'private',"
            " 'declined', '[]', '[]', NULL, 'u9', NULL)"
        )
    shown = run("report", str(path))
    assert shown.returncode == 0, shown.stderr
    assert not re.search(
        "[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028]", shown.stdout
    )
    for escaped in (r"質問\x1b]0;pwned\x07\x1b[2J", r"99\r12", r"abc\u202edef\u2066",
                    r"x\x9by\u2028z", r"one\nok: 5"):  # fmt: skip
        assert f"  {escaped}\n" in shown.stdout
    assert shown.stderr.splitlines() == [
        "skipped 1 rows that cannot be read (not UTF-8, or not what the bot writes)"
    ]
    exported = tmp_path / "missed.jsonl"
    as_json = run("report", "--json", "--export", str(exported), str(path))
    assert as_json.returncode == 0
    raw = as_json.stdout + exported.read_text(encoding="utf-8")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028]", raw)
    data = json.loads(as_json.stdout)  # valid, and the texts read back as they were
    assert data["questions"] == 5 and sorted(d["question"] for d in data["declined"]) == sorted(
        texts
    )
    exported_texts = [json.loads(line)["question"] for line in exported.read_text().splitlines()]
    assert sorted(exported_texts) == sorted(texts)
