"""Fit the hybrid models on the question sets in tests/data: the ranking model (weights of
index.hybrid.PASSAGE_FEATURES) and the decline model (a logistic regression of "the article
answers this" over index.hybrid.Signals).

    python scripts/calibrate.py            # fit on the FIT sets (and the English and Chinese
                                           # lines of FOREIGN_FIT's); print HybridParams lines
    python scripts/calibrate.py --check    # leave one writer's set out: fit on the rest,
                                           # score the one left out

Ranking: a listwise softmax over the passages, whose target is the passages of the sections
that answer (answerable questions only), lightly regularized, Japanese questions' weights and
the others' each fitted on their own. Declining, one model per question language (Chinese in
each script its own; English and Chinese also one without the translations,
untranslated_models, one for Chinese in either script):
each answerable question is a positive, each unanswerable one a negative, the
features standardized and the weights regularized (L2), then turned back into coefficients of
the raw features, which is what HybridParams.decline_models holds. The final checks (FINAL) are
never read here.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from ship_vectors import MEMORY  # (beside this script) the sets the memory learns from

import index.memory as memory_module
from index.cache import load_retriever
from index.hybrid import (
    FOREIGN_PASSAGE_FEATURES,
    PASSAGE_FEATURES,
    HybridIndex,
    HybridParams,
    Ranking,
)
from index.text import language

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
# One set per writer; phone and final are the final checks, kept out of every fit.
FIT = (
    *("dev", "own", "fresh", "para", "hira", "mix", "slang", "keigo", "doubt", "en", "zh"),
    "offtopic",  # everyday chat in Japanese, English and Chinese, none of it answerable
)
# Sets of later writers whose English and Chinese lines also fit the foreign models (the
# Japanese ones are fitted on FIT alone).
FOREIGN_FIT = ("nurse", "shop", "hant", "taipei", "traps", "group", "broad")
FINAL = ("phone", "final")
SINGLE_LANGUAGE = ("en", "zh", "offtopic")


@dataclass
class Question:
    text: str
    sections: tuple[int, ...]
    design: np.ndarray | None  # passages × rank_model weights (None: no content words)
    foreign: bool = False


def load(index: HybridIndex, name: str, foreign_only: bool = False) -> list[Question]:
    out = []
    for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            later = row.get("context") or row.get("kind") or language(row["question"]) == "ja"
            if foreign_only and later:
                continue
            f = index.features(row["question"])
            design = None if f is None else expand(f.matrix, f.foreign)
            foreign = f is not None and f.foreign
            out.append(Question(row["question"], tuple(row["sections"]), design, foreign))
    return out


def expand(matrix: np.ndarray, foreign: bool) -> np.ndarray:
    """The passages' features laid out so that `design @ rank_model` is what
    HybridParams.rank_weights weighs them to."""
    size = len(PASSAGE_FEATURES)
    design = np.zeros((len(matrix), size + len(FOREIGN_PASSAGE_FEATURES)), np.float64)
    if foreign:
        design[:, size:] = matrix
    else:
        design[:, :size] = matrix
    return design


def fit_ranking(questions: list[Question], sections: np.ndarray, l2: float) -> np.ndarray:
    """Weights that put the answering sections' passages first, each language group's fitted
    on its own questions."""
    size = len(PASSAGE_FEATURES)
    groups = [[q for q in questions if q.design is not None and q.foreign == f] for f in (0, 1)]
    ja, foreign = (_fit_ranking(rows, sections, l2) for rows in groups)
    return np.r_[ja[:size], foreign[size:]]


def _fit_ranking(questions: list[Question], sections: np.ndarray, l2: float) -> np.ndarray:
    """(Gradient descent on the listwise softmax loss.)"""
    rows = [q for q in questions if q.sections and q.design is not None]
    if not rows:
        return np.zeros(len(PASSAGE_FEATURES) + len(FOREIGN_PASSAGE_FEATURES))
    x = np.stack([q.design for q in rows if q.design is not None])  # questions × passages × w
    gold = np.stack([np.isin(sections, q.sections) for q in rows]).astype(np.float64)
    w = np.zeros(x.shape[2])
    velocity = np.zeros_like(w)
    for _ in range(3000):
        s = x @ w
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        target = p * gold
        target /= target.sum(axis=1, keepdims=True)
        gradient = np.einsum("qp,qpw->w", p - target, x) / len(rows) + l2 * w / len(rows)
        velocity = 0.9 * velocity - 0.5 * gradient
        w += velocity
    return w


def signals(
    index: HybridIndex, questions: list[Question]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each language's decline features and labels (1 answerable, 0 not); a foreign
    language's also without the translation ("<language> untranslated", Chinese in either
    script one)."""
    rows: dict[str, tuple[list[tuple[float, ...]], list[float]]] = {}
    for q in questions:
        ranking = index.rank(q.text)
        if ranking is None:  # no content words: declined before the model
            continue
        spoken = ranking.signals.language
        if spoken == "ja" or ranking.signals.translated is not None:
            x, y = rows.setdefault(spoken, ([], []))  # (Chinese in each script its own)
            x.append(ranking.signals.features())
            y.append(1.0 if q.sections else 0.0)
        if spoken != "ja":
            bare = replace(ranking.signals, translated=None)
            group = spoken.split("-")[0]  # (one for Chinese in either script)
            x, y = rows.setdefault(f"{group} untranslated", ([], []))
            x.append(bare.features())
            y.append(1.0 if q.sections else 0.0)
    return {language: (np.array(x), np.array(y)) for language, (x, y) in rows.items()}


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Raw-feature coefficients (intercept first) of an L2-regularized logistic regression."""
    mean, spread = x.mean(0), x.std(0) + 1e-9
    design = np.c_[np.ones(len(x)), (x - mean) / spread]
    w = np.zeros(design.shape[1])
    penalty = l2 * np.diag([0.0] + [1.0] * (len(w) - 1))
    for _ in range(100):  # Newton's method (IRLS)
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design.T * (p * (1 - p))) @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    slopes = w[1:] / spread
    return np.asarray(np.r_[w[0] - (slopes * mean).sum(), slopes])


def fitted(index: HybridIndex, questions: list[Question], args: argparse.Namespace) -> HybridParams:
    """HybridParams with both models fitted on `questions`."""
    sections = np.array([p.section for p in index.article.passages])
    ranking = fit_ranking(questions, sections, args.rank_l2)
    index.params = replace(index.params, rank_model=tuple(float(c) for c in ranking))
    models = {
        language: tuple(float(c) for c in fit(x, y, args.l2))
        for language, (x, y) in sorted(signals(index, questions).items())
    }
    bare = " untranslated"
    return replace(
        index.params,
        decline_models=tuple((k, m) for k, m in models.items() if bare not in k),
        untranslated_models=tuple(
            (k.removesuffix(bare), m) for k, m in models.items() if bare in k
        ),
    )


def folds(data: dict[str, list[Question]]) -> list[tuple[str, list[Question], list[Question]]]:
    """(name, fit on, check on): each writer's set left out once (of FOREIGN_FIT's, its
    English and Chinese lines); the English, Chinese and off-topic sets, one writer each, are
    also split in halves, each checked with the other half fitted on."""
    out = []
    for held in data:
        rest = [q for name in data if name != held for q in data[name]]
        out.append((held, rest, data[held]))
    for held in SINGLE_LANGUAGE:
        rest = [q for name in data if name != held for q in data[name]]
        for half in (0, 1):
            out.append(
                (f"{held}/{half + 1}", rest + data[held][1 - half :: 2], data[held][half::2])
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="leave one set out and report")
    parser.add_argument(
        "--memory", action="store_true", help="fit the memory's vote and decline model instead"
    )
    parser.add_argument("--sure", type=float, default=0.75, help="sure from (with --memory)")
    parser.add_argument(
        "--words-weight",
        type=float,
        help="the weight of the words a neighbour holds (with --memory; default: the shipped)",
    )
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument("--rank-l2", type=float, default=1.0)
    parser.add_argument(
        "--thresholds", default="0.5,0.6,0.7,0.75,0.8", help="probabilities --check scores at"
    )
    args = parser.parse_args()
    index = load_retriever(mode="hybrid")
    assert isinstance(index, HybridIndex), "no sentence encoder installed"
    # Every fold ranks every question again: keep all their vectors (the encoder keeps 1,024).
    encoder: Any = index.encoder
    encoder.question = functools.lru_cache(maxsize=None)(encoder.question)
    shipped = index.params
    if args.memory:
        if args.words_weight is not None:
            memory_module.WORDS_WEIGHT = args.words_weight
        memory_check(index, args)
        return 0
    data = {name: load(index, name) for name in FIT}
    data |= {name: load(index, name, foreign_only=True) for name in FOREIGN_FIT}
    if args.check:
        thresholds = [float(t) for t in args.thresholds.split(",")]
        print("set      " + "  ".join(f"hit@1/cov/rej at {t:.2f}" for t in thresholds))
        for name, fit_on, check_on in folds(data):
            index.params = fitted(index, fit_on, args)
            rankings = [index.rank(q.text) for q in check_on]
            scores = (score(index, check_on, rankings, t) for t in thresholds)
            print(f"{name:8s} " + "  ".join(scores))
            index.params = shipped
    params = fitted(index, [q for rows in data.values() for q in rows], args)
    print("rank_model = (" + ", ".join(f"{c:.4g}" for c in params.rank_model) + ")")
    for name in ("decline_models", "untranslated_models"):
        print(f"{name} = (")
        for group, model in getattr(params, name):
            print(f'    ("{group}", (' + ", ".join(f"{c:.4g}" for c in model) + ")),")
        print(")")
    return 0


def score(
    index: HybridIndex,
    questions: list[Question],
    rankings: list[Ranking | None],
    threshold: float,
) -> str:
    """hit@1 / coverage / rejection of `questions` (ranked as `rankings`), answering from
    `threshold` likely."""
    hit = answered = declined = answerable = 0
    for q, ranking in zip(questions, rankings, strict=True):
        ok = ranking is not None and ranking.probability >= threshold
        if not q.sections:
            declined += not ok
            continue
        answerable += 1
        answered += ok
        if ok and ranking is not None:
            hit += index.article.passages[ranking.order[0]].section in q.sections
    unanswerable = len(questions) - answerable
    figures = [hit / answerable, answered / answerable] if answerable else [0.0, 0.0]
    figures.append(declined / unanswerable if unanswerable else 1.0)
    return "/".join(f"{x:.2f}" for x in figures) + " " * 9


# The sets whose lines the memory of labelled messages holds, each left out in turn (dev is
# scored too, never remembered).
VOTE_WEIGHTS = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0)


@dataclass
class Remembered:
    """One question as the memory models see it, its own set left out of the memory."""

    source: str
    foreign: bool
    sections: tuple[int, ...]
    kind: str
    base: np.ndarray  # each passage's score without the vote
    votes: np.ndarray  # each passage's section vote, scaled to the best (zeros: none)
    features: tuple[float, ...]  # of HybridParams.memory_models
    other: str  # the kind its neighbours say, if not a question ("answer")


def remember(index: HybridIndex, name: str) -> list[Remembered]:
    from index.hybrid import _remembered_kind
    from index.memory import fold

    assert index.memory is not None
    memory = index.memory
    sections = np.array([p.section for p in index.article.passages])
    out = []
    for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("context"):
            continue
        index.memory = memory.without({name}, {fold(row["question"])})
        f = index.features(row["question"])
        ranking = index.rank(row["question"]) if f is not None else None
        index.memory = memory
        if f is None or ranking is None or ranking.recall is None:
            continue
        recall = ranking.recall
        base = f.matrix @ index.params.rank_weights(f.foreign)
        votes = np.array([recall.sections.get(int(s), 0.0) for s in sections])
        votes = votes / votes.max() if votes.max() > 0 else votes
        model = index.params.decline_model(f.language, f.translated is not None)
        logit = model[0] + sum(
            c * x for c, x in zip(model[1:], ranking.signals.features(), strict=True)
        )
        features = (logit, recall.answerable)
        other = _remembered_kind(recall, index.params.kind_share)
        out.append(
            Remembered(
                name,
                f.foreign,
                tuple(row.get("sections", ())),
                row.get("kind") or "",
                base,
                votes,
                features,
                other,
            )
        )
    return out


def _probability(model: np.ndarray, features: tuple[float, ...]) -> float:
    return float(1 / (1 + np.exp(-(model[0] + np.dot(model[1:], features)))))


def spec_figures(
    rows: list[Remembered],
    models: dict[bool, np.ndarray],
    answer_from: float,
    sure_from: float,
    top: Any,
) -> tuple[float, float, float, float, float]:
    """hit@1 (answered, first section right), coverage, rejection, traps answered sure, and of
    the sure answers the share whose first section is right."""
    answerable = [r for r in rows if r.sections]
    traps = [r for r in rows if not r.sections]
    p = {
        id(r): float(
            1 / (1 + np.exp(-(models[r.foreign][0] + np.dot(models[r.foreign][1:], r.features))))
        )
        for r in rows
    }
    hit = sum(p[id(r)] >= answer_from and top(r) in r.sections for r in answerable)
    cov = sum(p[id(r)] >= answer_from for r in answerable)
    rej = sum(p[id(r)] < answer_from for r in traps)
    sure = [r for r in rows if p[id(r)] >= max(sure_from, answer_from)]
    high = sum(not r.sections for r in sure)
    right = sum(bool(r.sections) and top(r) in r.sections for r in sure)
    n, m = max(len(answerable), 1), max(len(traps), 1)
    return (
        hit / n,
        cov / n,
        rej / m if traps else 1.0,
        high / m if traps else 0.0,
        right / len(sure) if sure else 1.0,
    )


def memory_check(index: HybridIndex, args: argparse.Namespace) -> None:
    """Leave one writer out: the vote weight and the memory decline model fitted on the other
    sets, scored on the one left out; then the fit on all of them."""
    sections = np.array([p.section for p in index.article.passages])
    data = {name: remember(index, name) for name in (*MEMORY, "dev")}
    questions = [r for rows in data.values() for r in rows if not r.kind]

    def top(r: Remembered, weight: float) -> int:
        return int(sections[int(np.argmax(r.base + weight * r.votes))])

    def hit(rows: list[Remembered], weight: float) -> float:
        answerable = [r for r in rows if r.sections]
        return sum(top(r, weight) in r.sections for r in answerable) / max(len(answerable), 1)

    def fit_group(rows: list[Remembered]) -> np.ndarray:
        x = np.array([r.features for r in rows])
        y = np.array([1.0 if r.sections else 0.0 for r in rows])
        return fit(x, y, args.l2)

    def probability(model: np.ndarray, r: Remembered) -> float:
        return float(1 / (1 + np.exp(-(model[0] + np.dot(model[1:], r.features)))))

    thresholds = [float(t) for t in args.thresholds.split(",")]
    print(f"answering from t, sure from {args.sure}: hit@1/cov/rej/high/sure-right")
    print("set       hit@1 base→vote  " + "  ".join(f"at {t:.2f}".ljust(26) for t in thresholds))
    pooled: dict[tuple[str, float], list[list[float]]] = {}
    for held in (*MEMORY, "dev"):
        rest = [r for r in questions if r.source != held]
        rows = [r for r in data[held] if not r.kind]
        weights = []
        for foreign in (False, True):
            group = [r for r in rest if r.foreign == foreign]
            weights.append(max(VOTE_WEIGHTS, key=lambda w, g=group: hit(g, w)))
        models = {f: fit_group([r for r in rest if r.foreign == f]) for f in (False, True)}
        voted = hit(rows, weights[0]) if rows else 0.0
        cells = []
        for t in thresholds:
            voting = functools.partial(lambda r, w: top(r, w[r.foreign]), w=weights)
            figures = spec_figures(rows, models, t, args.sure, voting)
            cells.append("/".join(f"{x:.2f}" for x in figures).ljust(26))
            group_name = "foreign" if sum(r.foreign for r in rows) * 2 > len(rows) else "ja"
            pooled.setdefault((group_name, t), []).append(list(figures))
        print(f"{held:9s} {hit(rows, 0.0):.2f}→{voted:.2f} w={weights}  " + "  ".join(cells))
    for (group_name, t), rows_ in sorted(pooled.items()):
        mean = np.mean(np.array(rows_), axis=0)
        print(f"mean {group_name:7s} at {t:.2f}: " + "/".join(f"{x:.3f}" for x in mean))
    weights = [
        max(VOTE_WEIGHTS, key=lambda w, f=foreign: hit([r for r in questions if r.foreign == f], w))
        for foreign in (False, True)
    ]
    print(f"vote_weights = ({weights[0]}, {weights[1]})")
    print("memory_models = (")
    for name, foreign in (("foreign", True), ("ja", False)):
        model = fit_group([r for r in questions if r.foreign == foreign])
        print(f'    ("{name}", (' + ", ".join(f"{c:.4g}" for c in model) + ")),")
    print(")")


if __name__ == "__main__":
    sys.exit(main())
