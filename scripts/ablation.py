"""Retrieval ablation: the eval figures of the shipped configurations and of each variant.

Usage: python scripts/ablation.py [QUESTIONS.jsonl ...]   (default: tests/data/dev.jsonl,
own.jsonl, fresh.jsonl and para.jsonl). Prints two Markdown tables, lexical then hybrid: one
row per technique switched off or changed, the rest as shipped. docs/quality.md records a run.
Every variant is built through parameters (nothing in index/ is changed at run time).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from calibrate import SETS, fit, signals

from index import evaluate
from index.article import load_article
from index.cache import load_retriever
from index.hybrid import HybridIndex, HybridParams
from index.search import Params, SearchIndex
from index.tokenize import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILES = [ROOT / "tests" / "data" / f"{name}.jsonl" for name in SETS]
SHIPPED = Params()
HYBRID = HybridParams()
FEATURES = ("coverage", "cosine", "sentence", "names", "unseen")

# (row, tokenizer settings, retrieval parameters, shortest passage in characters)
LEXICAL: list[tuple[str, dict[str, object], Params, int]] = [
    ("lexical as shipped", {}, SHIPPED, 60),
    ("Sudachi mode A instead of C", {"mode": "A"}, SHIPPED, 60),
    ("no synonym group ids", {"synonyms": False}, SHIPPED, 60),
    ("no answer types (誰 → names …)", {"answer_types": False}, SHIPPED, 60),
    ("question words and light verbs kept", {"stop_terms": False}, SHIPPED, 60),
    ("no section field", {}, replace(SHIPPED, section_weight=0.0), 60),
    ("section field ×0.5 instead of ×0.4", {}, replace(SHIPPED, section_weight=0.5), 60),
    ("no title field", {}, replace(SHIPPED, title_weight=0.0), 60),
    ("no adjacent-word pairs", {}, replace(SHIPPED, pair_weight=0.0), 60),
    ("unknown compounds kept whole", {}, replace(SHIPPED, split_unknown_compounds=False), 60),
    ("verbs weigh as much as nouns", {}, replace(SHIPPED, other_weight=1.0), 60),
    ("decline below 20% coverage", {}, replace(SHIPPED, min_coverage=0.2), 60),
    ("decline below 30% coverage", {}, replace(SHIPPED, min_coverage=0.3), 60),
    ("never decline", {}, replace(SHIPPED, min_coverage=0.0), 60),
    ("one paragraph a passage", {}, SHIPPED, 0),
    ("passages of 150+ characters", {}, SHIPPED, 150),
]


def hybrid_variants(index: HybridIndex) -> list[tuple[str, HybridParams]]:
    """The hybrid rows; a decline model without one of its features is fitted anew."""
    data = {name: signals(index, name) for name in SETS}
    x = np.vstack([data[s][0] for s in SETS])
    y = np.concatenate([data[s][1] for s in SETS])
    rows = [
        ("hybrid as shipped", HYBRID),
        ("no fusion: BM25 ranks (encoder weight 0)", replace(HYBRID, encoder_weight=0.0)),
        ("no fusion: the encoder ranks (weight 1)", replace(HYBRID, encoder_weight=1.0)),
        ("encoder weight 0.5", replace(HYBRID, encoder_weight=0.5)),
        ("encoder weight 0.7", replace(HYBRID, encoder_weight=0.7)),
        ("answer from 50% likely (not 75%)", replace(HYBRID, min_probability=0.5)),
        ("answer from 60% likely", replace(HYBRID, min_probability=0.6)),
        ("answer from 80% likely", replace(HYBRID, min_probability=0.8)),
        ("the encoder asked every time (no fast path)", replace(HYBRID, sure_coverage=0.0)),
        ("fast path only at 3× margin", replace(HYBRID, sure_margin=3.0)),
        ("lexical decline rule (coverage ≥ 25%)", replace(HYBRID, decline_model=_lexical_rule())),
        ("passages of 60+ characters", replace(HYBRID, passage_chars=60)),
        ("passages of 100+ characters", replace(HYBRID, passage_chars=100)),
        ("passages of 200+ characters", replace(HYBRID, passage_chars=200)),
    ]
    for i, feature in enumerate(FEATURES):
        model = np.insert(fit(np.delete(x, i, axis=1), y), i + 1, 0.0)
        rows.append((f"decline model without {feature}", _with(model)))
    return rows


def _lexical_rule() -> tuple[float, ...]:
    # The coverage threshold as a (nearly) hard step: at coverage 0.25 the model gives exactly
    # the probability the index answers from.
    steep, p = 200.0, HYBRID.min_probability
    return (-0.25 * steep + np.log(p / (1 - p)), steep, 0.0, 0.0, 0.0, 0.0)


def _with(model: np.ndarray) -> HybridParams:
    return replace(HYBRID, decline_model=tuple(float(c) for c in model))


def main(files: list[Path]) -> None:
    sets = [(f.stem, evaluate.load_questions(f)) for f in files]
    header = "| variant | " + " | ".join(
        f"{name} hit@1 | hit@3 | ev@1 | cov | rej" for name, _ in sets
    )

    def row(label: str, retriever: SearchIndex | HybridIndex) -> None:
        cells = []
        for _, questions in sets:
            f = evaluate.figures(evaluate.run(questions, retriever))
            cells += [f.hit1, f.hit3, f.evidence1, f.coverage, f.rejection]
        print(f"| {label} | " + " | ".join(f"{c:.2f}" for c in cells) + " |", flush=True)

    for table in ("lexical", "hybrid"):
        print(f"\n{header} |\n" + "|---" * (1 + 5 * len(sets)) + "|")
        if table == "lexical":
            for label, tokenizer, params, chars in LEXICAL:
                article = load_article(min_passage_chars=chars)
                row(label, SearchIndex(article, Tokenizer(**tokenizer), params))  # type: ignore[arg-type]
            continue
        shipped = load_retriever(mode="hybrid")
        assert isinstance(shipped, HybridIndex), "no sentence encoder installed"
        for label, hybrid in hybrid_variants(shipped):
            retriever = load_retriever(mode="hybrid", hybrid=hybrid)
            assert isinstance(retriever, HybridIndex)
            row(label, retriever)


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or DEFAULT_FILES)
