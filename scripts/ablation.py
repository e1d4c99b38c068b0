"""Retrieval ablation: the eval figures of the shipped configurations and of each variant.

Usage: python scripts/ablation.py [QUESTIONS.jsonl ...]   (default: the fitted sets, pooled
into careful, casual, foreign and offtopic). Prints two Markdown tables, lexical then hybrid:
one row per technique switched off or changed, the rest as shipped. docs/quality.md records a
run. Every variant is built through parameters (nothing in index/ is changed at run time).
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import calibrate
import numpy as np

from index import evaluate
from index.article import load_article
from index.cache import load_retriever
from index.hybrid import HybridIndex, HybridParams
from index.search import Params, SearchIndex
from index.tokenize import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = Params()
HYBRID = HybridParams()
JAPANESE_FEATURES = ("coverage", "cosine", "sentence", "peak", "names", "unseen", "asked")

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
    """The hybrid rows. A row without a feature fits its model anew without it (on the same
    sets as the shipped one: these rows are in-sample; calibrate.py --check is not)."""
    args = argparse.Namespace(l2=3.0, rank_l2=1.0)
    data = [q for name in calibrate.FIT for q in calibrate.load(index, name)]
    sections = np.array([p.section for p in index.article.passages])
    rows = [("hybrid as shipped", HYBRID)]

    def ranking(drop: list[int]) -> HybridParams:
        for q in data:
            q.design = _design(index, q.text, drop)
        model = calibrate.fit_ranking(data, sections, args.rank_l2)
        index.params = replace(HYBRID, rank_model=tuple(float(c) for c in model))
        return _declining(index, data, args, ())

    rows.append(("no readings (BM25 over reading trigrams)", ranking([1, 6])))
    rows.append(("no hub correction", ranking([4, 9])))
    rows.append(("no best-sentence cosine in ranking", ranking([3, 8])))
    rows.append(("fixed fusion (BM25 0.4, cosine 0.6), not learned", _fixed(index, data, args)))
    for q in data:
        q.design = _design(index, q.text, [])
    for label, params in (
        ("no respelling", replace(HYBRID, respell=False)),
        ("answer from 40% likely (not 50%)", replace(HYBRID, min_probability=0.4)),
        ("answer from 60% likely", replace(HYBRID, min_probability=0.6)),
        ("answer from 75% likely", replace(HYBRID, min_probability=0.75)),
        ("passages of 100+ characters", replace(HYBRID, passage_chars=100)),
        ("passages of 200+ characters", replace(HYBRID, passage_chars=200)),
    ):
        rows.append((label, params))
    index.params = HYBRID
    for i, feature in enumerate(JAPANESE_FEATURES):
        rows.append(
            (f"Japanese decline model without {feature}", _declining(index, data, args, (i,)))
        )
    index.params = HYBRID
    return rows


def _design(index: HybridIndex, text: str, drop: list[int]) -> np.ndarray | None:
    f = index.features(text)
    if f is None:
        return None
    design = calibrate.expand(f.matrix, f.foreign)
    design[:, drop] = 0.0
    return design


def _fixed(
    index: HybridIndex, data: list[calibrate.Question], args: argparse.Namespace
) -> HybridParams:
    model = (0.4, 0.0, 0.6, 0.0, 0.0, 0.4, 0.0, 0.6, 0.0, 0.0, 0.0)  # (not the translations)
    index.params = replace(HYBRID, rank_model=model)
    return _declining(index, data, args, ())


def _declining(
    index: HybridIndex,
    data: list[calibrate.Question],
    args: argparse.Namespace,
    drop: tuple[int, ...],
) -> HybridParams:
    """index.params with decline models fitted anew (the Japanese one without the features
    `drop`, whose coefficients are then 0)."""
    models = []
    for language, (x, y) in sorted(calibrate.signals(index, data).items()):
        if language == "ja" and drop:
            model = calibrate.fit(np.delete(x, list(drop), axis=1), y, args.l2)
            for i in sorted(drop):
                model = np.insert(model, i + 1, 0.0)
        else:
            model = calibrate.fit(x, y, args.l2)
        models.append((language, tuple(float(c) for c in model)))
    bare = " untranslated"
    params = replace(
        index.params,
        decline_models=tuple((k, m) for k, m in models if bare not in k),
        untranslated_models=tuple((k.removesuffix(bare), m) for k, m in models if bare in k),
    )
    index.params = HYBRID
    return params


def main(files: list[Path]) -> None:
    sets = [(f.stem, evaluate.load_questions(f)) for f in files] if files else GROUPS()
    header = "| variant | " + " | ".join(
        "offtopic rej" if name == "offtopic" else f"{name} hit@1 | hit@3 | ev@1 | cov | rej"
        for name, _ in sets
    )
    columns = sum(1 if name == "offtopic" else 5 for name, _ in sets)

    def row(label: str, retriever: SearchIndex | HybridIndex) -> None:
        cells = []
        for name, questions in sets:
            f = evaluate.figures(evaluate.run(questions, retriever))
            if name == "offtopic":
                cells += [f.rejection]
            else:
                cells += [f.hit1, f.hit3, f.evidence1, f.coverage, f.rejection]
        print(f"| {label} | " + " | ".join(f"{c:.2f}" for c in cells) + " |", flush=True)

    for table in ("lexical", "hybrid"):
        print(f"\n{header} |\n" + "|---" * (1 + columns) + "|")
        if table == "lexical":
            for label, tokenizer, params, chars in LEXICAL:
                article = load_article(min_passage_chars=chars)
                row(label, SearchIndex(article, Tokenizer(**tokenizer), params))  # type: ignore[arg-type]
            continue
        shipped = load_retriever(mode="hybrid")
        assert isinstance(shipped, HybridIndex), "no sentence encoder installed"
        # Every row ranks every question again: keep all their vectors (the encoder keeps 1,024).
        encoder: Any = shipped.encoder
        encoder.question = functools.lru_cache(maxsize=None)(encoder.question)
        for label, hybrid in hybrid_variants(shipped):
            retriever = load_retriever(mode="hybrid", hybrid=hybrid)
            assert isinstance(retriever, HybridIndex)
            row(label, retriever)


def GROUPS() -> list[tuple[str, list[evaluate.Question]]]:
    """The fitted sets, pooled: careful (dev, own, fresh, para), casual (hira, mix, slang,
    keigo, doubt), foreign (en, zh) and offtopic."""
    groups = {
        "careful": ("dev", "own", "fresh", "para"),
        "casual": ("hira", "mix", "slang", "keigo", "doubt"),
        "foreign": ("en", "zh"),
        "offtopic": ("offtopic",),
    }
    data = ROOT / "tests" / "data"
    return [
        (group, [q for n in names for q in evaluate.load_questions(data / f"{n}.jsonl")])
        for group, names in groups.items()
    ]


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]])
