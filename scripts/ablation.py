"""Retrieval ablation: the eval figures of the shipped configuration and of each variant.

Usage: python scripts/ablation.py [QUESTIONS.jsonl ...]   (default: tests/data/dev.jsonl,
own.jsonl, fresh.jsonl and para.jsonl). Prints a Markdown table: one row per technique
switched off or changed, the rest as shipped. docs/quality.md records a run.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import index.article as article_module
from index import evaluate
from index.search import Params, SearchIndex
from index.tokenize import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [
    ROOT / "tests" / "data" / f"{name}.jsonl" for name in ("dev", "own", "fresh", "para")
]
SHIPPED = Params()

# (row, tokenizer settings, retrieval parameters, shortest passage in characters)
VARIANTS: list[tuple[str, dict[str, object], Params, int]] = [
    ("shipped configuration", {}, SHIPPED, 60),
    ("Sudachi mode A instead of C", {"mode": "A"}, SHIPPED, 60),
    ("mode A and C together (compounds split)", {"mode": "AC"}, SHIPPED, 60),
    ("no synonym group ids", {"synonyms": False}, SHIPPED, 60),
    ("no answer types (誰 → names …)", {"answer_types": False}, SHIPPED, 60),
    ("question words and light verbs kept", {"stop_terms": False}, SHIPPED, 60),
    ("no section field", {}, replace(SHIPPED, section_weight=0.0), 60),
    ("section field ×0.5 instead of ×0.4", {}, replace(SHIPPED, section_weight=0.5), 60),
    ("no title field", {}, replace(SHIPPED, title_weight=0.0), 60),
    ("no adjacent-word pairs", {}, replace(SHIPPED, pair_weight=0.0), 60),
    (
        "unknown compounds kept whole (not ranked by parts)",
        {},
        replace(SHIPPED, split_unknown_compounds=False),
        60,
    ),
    ("verbs weigh as much as nouns", {}, replace(SHIPPED, other_weight=1.0), 60),
    ("decline below 20% coverage", {}, replace(SHIPPED, min_coverage=0.2), 60),
    ("decline below 30% coverage", {}, replace(SHIPPED, min_coverage=0.3), 60),
    ("never decline", {}, replace(SHIPPED, min_coverage=0.0), 60),
    ("one paragraph a passage", {}, SHIPPED, 0),
    ("passages of 200+ characters", {}, SHIPPED, 200),
]


def main(files: list[Path]) -> None:
    sets = [(f.stem, evaluate.load_questions(f)) for f in files]
    header = "| variant | " + " | ".join(
        f"{name} hit@1 | hit@3 | ev@1 | cov | rej" for name, _ in sets
    )
    print(header + " |")
    print("|---" * (1 + 5 * len(sets)) + "|")
    for label, tokenizer_settings, params, min_chars in VARIANTS:
        article_module.MIN_PASSAGE_CHARS = min_chars
        index = SearchIndex(
            article_module.load_article(),
            Tokenizer(**tokenizer_settings),
            params,  # type: ignore[arg-type]
        )
        cells = []
        for _, questions in sets:
            f = evaluate.figures(evaluate.run(questions, index))
            cells += [f.hit1, f.hit3, f.evidence1, f.coverage, f.rejection]
        print(f"| {label} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or DEFAULT_FILES)
