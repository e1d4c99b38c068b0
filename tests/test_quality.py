"""Floors for answer quality: a change that loses answers fails here (docs/quality.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import evaluate
from index.search import SearchIndex

DATA = Path(__file__).parent / "data"

# The figures measured when the floors were set (docs/quality.md); hit@1 and hit@3 may move by
# one question at most before this fails.
FLOORS = {
    "dev": {"hit1": 0.91, "hit3": 0.95, "evidence1": 0.79, "coverage": 0.95, "rejection": 1.0},
    "own": {"hit1": 0.88, "hit3": 0.94, "evidence1": 0.68, "coverage": 0.97, "rejection": 1.0},
    "fresh": {"hit1": 0.72, "hit3": 0.85, "evidence1": 0.47, "coverage": 0.875, "rejection": 0.8},
    "para": {"hit1": 0.72, "hit3": 0.8, "evidence1": 0.45, "coverage": 0.925, "rejection": 0.8},
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_quality_floors(index: SearchIndex, name: str) -> None:
    questions = evaluate.load_questions(DATA / f"{name}.jsonl")
    figures = evaluate.figures(evaluate.run(questions, index))
    low = {
        k: getattr(figures, k) for k, floor in FLOORS[name].items() if getattr(figures, k) < floor
    }
    assert not low, f"{name}: below the floor: {low}"
