"""Leave one writer out, end to end, for the English and Chinese questions: for each set of
them, every foreign parameter (the foreign rank weights and decline models as
scripts/calibrate.py fits them, then the foreign vote weight and memory model as
`calibrate.py --memory` does) is fitted without that set, and the set is then answered as
tests/test_quality.py answers it (index.evaluate.run, its own lines out of the memory). The
Japanese parameters are the shipped ones throughout.

    python scripts/lowo.py             # with the shipped translations
    python scripts/lowo.py --without   # as if the article had none
    python scripts/lowo.py --shipped   # also fit on every set and score each as shipped

Prints hit@1 / hit@3 / ev@1 / cov / rej per set and pooled per language (English: en +
nurse; simplified Chinese: zh + shop; traditional: hant + taipei), answering from the memory's
threshold.
"""

from __future__ import annotations

import argparse
import functools
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from calibrate import DATA, FIT, FOREIGN_FIT, VOTE_WEIGHTS, Remembered, fit, fitted, load
from ship_vectors import MEMORY

from index import evaluate
from index.cache import load_retriever
from index.hybrid import PASSAGE_FEATURES, HybridIndex, HybridParams
from index.translations import NO_TRANSLATIONS, TranslatedPassages

POOLS = {
    "English": ("en", "nurse"),
    "simplified": ("zh", "shop"),
    "traditional": ("hant", "taipei"),
}


def foreign_fit(
    index: HybridIndex,
    shipped: HybridParams,
    questions: list[Any],
    held: str,
    args: argparse.Namespace,
) -> HybridParams:
    """Shipped params with every foreign one fitted on `questions` and the memory's sets but
    `held`."""
    size = len(PASSAGE_FEATURES)
    index.params = shipped
    p = fitted(index, questions, args)
    ja = dict(shipped.decline_models)["ja"]
    params = replace(
        shipped,
        rank_model=(*shipped.rank_model[:size], *p.rank_model[size:]),
        decline_models=tuple((k, ja if k == "ja" else m) for k, m in p.decline_models),
        untranslated_models=p.untranslated_models,
    )
    index.params = params
    sections = np.array([q.section for q in index.article.passages])
    rows = [
        Remembered(
            name,
            True,
            sections_,
            "",
            f.matrix @ params.rank_weights(True),
            votes,
            (logit(params, ranking), ranking.recall.answerable),
            "",
        )
        for name, sections_, f, ranking, votes in remembered(index)
        if name != held
    ]

    def hit(weight: float) -> float:
        answerable = [r for r in rows if r.sections]
        top = (int(sections[int(np.argmax(r.base + weight * r.votes))]) for r in answerable)
        return sum(t in r.sections for t, r in zip(top, answerable, strict=True))

    weight = max(VOTE_WEIGHTS, key=hit)
    x = np.array([r.features for r in rows])
    y = np.array([1.0 if r.sections else 0.0 for r in rows])
    model = tuple(float(c) for c in fit(x, y, args.l2))
    memory_models = tuple((k, model if k == "foreign" else m) for k, m in shipped.memory_models)
    params = replace(
        params, vote_weights=(shipped.vote_weights[0], weight), memory_models=memory_models
    )
    index.params = params
    return params


def logit(params: HybridParams, ranking: Any) -> float:
    model = params.decline_model(ranking.signals.language, ranking.signals.translated is not None)
    return float(model[0] + np.dot(model[1:], ranking.signals.features()))


@functools.cache
def remembered(index: HybridIndex) -> list[tuple[str, tuple[int, ...], Any, Any, np.ndarray]]:
    """calibrate.remember's foreign rows, the parts that do not depend on the params (a
    foreign question's decline features do not; its set left out of the memory)."""
    from index.memory import fold

    memory = index.memory
    assert memory is not None
    sections = np.array([p.section for p in index.article.passages])
    out = []
    for name in (*MEMORY, "dev"):
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("context") or row.get("kind"):
                continue
            f = index.features(row["question"])
            if f is None or not f.foreign:
                continue
            index.memory = memory.without({name}, {fold(row["question"])})
            ranking = index.rank(row["question"])
            index.memory = memory
            if ranking is None or ranking.recall is None:
                continue
            recall = ranking.recall
            votes = np.array([recall.sections.get(int(s), 0.0) for s in sections])
            votes = votes / votes.max() if votes.max() > 0 else votes
            out.append((name, tuple(row.get("sections", ())), f, ranking, votes))
    return out


def line(name: str, results: list[evaluate.Result]) -> str:
    f = evaluate.figures(results)
    cells = (f.hit1, f.hit3, f.evidence1, f.coverage, f.rejection)
    return f"{name:12s} " + " / ".join(f"{x:.3f}" for x in cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--without", action="store_true", help="as if no translations")
    parser.add_argument("--shipped", action="store_true", help="also the fit on every set")
    parser.add_argument("--sets", default=",".join(s for p in POOLS.values() for s in p))
    parser.add_argument("--dump", help="write each question's outcome to this JSON file")
    parser.add_argument("--vectors", help="a file to keep the questions' vectors in")
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument("--rank-l2", type=float, default=1.0)
    args = parser.parse_args()
    index = load_retriever(mode="hybrid")
    assert isinstance(index, HybridIndex), "no sentence encoder installed"
    if args.without:
        passages = [p.text for p in index.article.passages]
        k1, b = index.base.params.k1, index.base.params.b
        index.translated = TranslatedPassages(passages, NO_TRANSLATIONS, k1, b)
    if args.vectors:  # (questions' vectors kept between runs)
        kept = Path(args.vectors)
        known = pickle.loads(kept.read_bytes()) if kept.exists() else {}
        encode = index.encoder.question

        def question(text: str) -> Any:
            if text not in known:
                known[text] = encode(text)
            return known[text]

        index.encoder.question = question  # type: ignore[method-assign]
    # Features do not depend on the params fitted here: each question's once.
    features: Any = functools.lru_cache(maxsize=None)(index.features)
    index.features = features  # type: ignore[method-assign]
    shipped = index.params
    data = {name: load(index, name) for name in FIT}
    data |= {name: load(index, name, foreign_only=True) for name in FOREIGN_FIT}
    if args.vectors:
        kept.write_bytes(pickle.dumps(known))
    results: dict[str, list[evaluate.Result]] = {}
    for held in args.sets.split(","):
        rest = [q for name in data if name != held for q in data[name]]
        params = foreign_fit(index, shipped, rest, held, args)
        questions = evaluate.load_questions(DATA / f"{held}.jsonl")
        results[held] = evaluate.run(questions, index, held)
        print(line(held, results[held]), f"w={params.vote_weights[1]}", flush=True)
    for pool, names in POOLS.items():
        if all(n in results for n in names):
            print(line(pool, [r for n in names for r in results[n]]))
    if args.dump:
        outcomes = {
            f"{name}:{r.question.id}": [r.answer.answered, r.sections[:1], r.correct]
            for name, rows in results.items()
            for r in rows
        }
        Path(args.dump).write_text(json.dumps(outcomes), encoding="utf-8")
    if args.shipped:
        params = foreign_fit(index, shipped, [q for rows in data.values() for q in rows], "", args)
        print(
            "shipped:",
            params.rank_model,
            params.decline_models,
            params.untranslated_models,
            params.vote_weights,
            params.memory_models,
            sep="\n  ",
        )
        for held in args.sets.split(","):
            questions = evaluate.load_questions(DATA / f"{held}.jsonl")
            results[held] = evaluate.run(questions, index, held)
            print(line(held, results[held]), flush=True)
        for pool, names in POOLS.items():
            if all(n in results for n in names):
                print(line(pool, [r for n in names for r in results[n]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
