from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from index.article import Passage
from index.evaluate import Question, QuestionFileError, Result, figures, load_questions
from index.search import Answer, Hit

DATA = Path(__file__).parent / "data"


def answer(*sections: int) -> Answer:
    hits = tuple(
        Hit(Passage(f"{s}-{i}", s, "t", f"text {s} 証拠"), 1.0, "x") for i, s in enumerate(sections)
    )
    return Answer("q", hits, answered=bool(hits))


def question(*sections: int, evidence: str = "証拠") -> Question:
    return Question("q", "q", sections, (evidence,) if sections else ())


def test_figures_follow_spec_definitions() -> None:
    results = [
        Result(question(1), answer(1, 2)),  # hit@1
        Result(question(2), answer(1, 3, 2)),  # hit@3, rank 3
        Result(question(3, evidence="無い"), answer(4, 5, 6, 3)),  # rank 4, evidence miss
        Result(question(4), answer()),  # declined
        Result(question(), answer()),  # rejected
        Result(question(), answer(1)),  # answered off-topic
    ]
    f = figures(results)
    assert (f.questions, f.answerable, f.unanswerable) == (6, 4, 2)
    assert f.hit1 == 1 / 4
    assert f.hit3 == 2 / 4
    assert f.mrr == pytest.approx((1 + 1 / 3 + 1 / 4) / 4)
    assert f.evidence1 == 2 / 4
    assert f.coverage == 3 / 4
    assert f.rejection == 1 / 2
    assert [r.correct for r in results] == [True, False, False, False, True, False]


def test_question_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "a", "sections": [1]}\n{"sections": [1]}\n', encoding="utf-8")
    with pytest.raises(QuestionFileError, match=":2:"):
        load_questions(path)
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="no questions"):
        load_questions(path)


def test_eval_json_agrees_with_the_independent_scorer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    dev = DATA / "dev.jsonl"
    assert main(["eval", "--json", str(dev)]) == 0
    ours = json.loads(capsys.readouterr().out)
    scorer = subprocess.run(
        [sys.executable, str(DATA / "score_answers.py"), str(dev)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "INTERVIEW_BOT": str(Path(sys.executable).with_name("interview-bot"))},
    )
    line = scorer.stdout.strip().splitlines()[-1]
    theirs = dict(pair.split("=") for pair in line.split() if "=" in pair)
    for key in ("hit1", "hit3", "mrr", "evidence1", "coverage", "rejection"):
        assert ours[key] == pytest.approx(float(theirs[key]), abs=1e-3), key


def test_eval_lists_misses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "good",
            "question": "将来の世界の通貨は何になる",
            "sections": [6],
            "evidence": ["ワット"],
        },
        {"id": "bad", "question": "将来の世界の通貨は何になる", "sections": [2], "evidence": []},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert main(["eval", "--misses", str(path)]) == 0
    out = capsys.readouterr().out
    assert "miss bad: top=[6" in out and "miss good" not in out
    assert "hit@1 0.500" in out
