"""Fit the hybrid decline model: a logistic regression of "the article answers this question"
over index.hybrid.Signals, on the question sets in tests/data.

    python scripts/calibrate.py            # fit on dev, own, fresh, para; print HybridParams
    python scripts/calibrate.py --check    # leave one set out: fit on three, score the fourth

Each answerable question is a positive, each unanswerable one a negative. Features are
standardized and the weights lightly regularized (L2), then the weights are turned back into
coefficients of the raw features, which is what HybridParams.decline_model holds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from index.cache import load_retriever
from index.hybrid import HybridIndex

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = ("dev", "own", "fresh", "para")


def signals(index: HybridIndex, name: str) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        question = json.loads(line)
        ranking = index.rank(question["question"])
        if ranking is None:  # no content words: declined before the model
            continue
        rows.append(ranking.signals.features())
        labels.append(1.0 if question["sections"] else 0.0)
    return np.array(rows), np.array(labels)


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
    return np.r_[w[0] - (slopes * mean).sum(), slopes]


def accepts(model: np.ndarray, x: np.ndarray, threshold: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(model[0] + x @ model[1:]))) >= threshold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="leave one set out and report")
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument("--threshold", type=float, default=0.75)
    args = parser.parse_args()
    index = load_retriever(mode="hybrid")
    assert isinstance(index, HybridIndex), "no sentence encoder installed"
    data = {name: signals(index, name) for name in SETS}
    if args.check:
        for held in SETS:
            x = np.vstack([data[s][0] for s in SETS if s != held])
            y = np.concatenate([data[s][1] for s in SETS if s != held])
            model = fit(x, y, args.l2)
            ok = accepts(model, data[held][0], args.threshold)
            y_held = data[held][1] == 1
            print(
                f"{held:6s} answered {ok[y_held].mean():.2f} of answerable, "
                f"declined {(~ok[~y_held]).mean():.2f} of unanswerable"
            )
    x = np.vstack([data[s][0] for s in SETS])
    y = np.concatenate([data[s][1] for s in SETS])
    model = fit(x, y, args.l2)
    print("decline_model = (" + ", ".join(f"{c:.4g}" for c in model) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
