"""The question log (a real SQLite file) and `interview-bot report` over it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import questionlog
from bot.questionlog import Entry, QuestionLog
from index.evaluate import load_questions

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
        stdin="大学の授業料は?\nビットコインの価格はいくらですか\n",
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
        stdin="大学の授業料は?\nもっと詳しく\n/sections\n",
    )
    assert result.returncode == 0
    logged = rows(log)
    assert [(r[0], r[1], r[2]) for r in logged] == [
        ("大学の授業料は?", "console", "answered"),
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
    missed = load_questions(exported)
    assert sorted(q.question[:3] for q in missed) == ["天気は", "教育は"]
    assert all(q.sections == () for q in missed)
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
