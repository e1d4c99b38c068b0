"""One document size in one fresh process: build and answer with three BM25 engines.

    python -m benchmarks.engines --scale 100 [--rounds R] [--budget S] [--builds K] [--answering]

Prints one JSON object a line, one per stage, as soon as the stage is measured, so that a
parent that stops a slow size still has the stages before it. Stages, in order:

corpus     the document: the bundled article (scale 1) or a synthetic one N times its size
tokenize   the project's Tokenizer on the questions (per question) and on every passage
bm25s      bm25s.BM25 (method "bm25+", delta 0) over those token lists: build, retrieve
naive      rank-bm25 BM25Plus (delta 0) over the same lists: build, get_scores over every
           passage + top-k, and get_batch_scores over the passages sharing a term + top-k
project    index.search.SearchIndex: build (tokenizing included), search(question)
answering  (--answering) what the bot and `ask --json` do per question: search + render
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from benchmarks.common import Sample, peak_rss_mb, rss_mb, time_calls
from benchmarks.corpus import SEED, questions, synthetic_article
from index.article import Article, load_article, parse_article
from index.search import SearchIndex
from index.tokenize import Tokenizer, Word

K = 5  # passages retrieved per question by every engine
K1, B = 1.2, 0.75  # index.search.Params defaults
JSON_HITS = 10  # what `ask --json` returns by default (bot.cli)


def emit(stage: str, **data: Any) -> None:
    for name, value in list(data.items()):
        if isinstance(value, Sample):
            data[name] = value.to_json() | {"values": value.values}
    print(json.dumps({"stage": stage, **data}), flush=True)


def timed(build: Callable[[], Any], repeats: int) -> tuple[Any, list[float], float]:
    """(the last object built, seconds per build, RSS growth in MB of the first build)."""
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    built = build()
    seconds = [time.perf_counter() - start]
    grown = rss_mb() - before
    for _ in range(repeats - 1):
        del built
        gc.collect()
        start = time.perf_counter()
        built = build()
        seconds.append(time.perf_counter() - start)
    return built, seconds, grown


def top_k(scores: np.ndarray, k: int = K) -> list[int]:
    if scores.size <= k:
        return [int(i) for i in np.argsort(-scores, kind="stable")]
    best = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in best[np.argsort(-scores[best], kind="stable")]]


class Pretokenized:
    """Stands in for the index's tokenizer: questions come already tokenized, so that
    search() is timed without tokenizing."""

    def __init__(self, real: Tokenizer, table: dict[str, list[Word]]) -> None:
        self.real = real
        self.table = table

    def words(self, text: str) -> list[Word]:
        found = self.table.get(text)
        return list(found) if found is not None else self.real.words(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def run(scale: int, rounds: int, budget: float, builds: int, answering: bool) -> None:
    # corpus -------------------------------------------------------------------------------
    began = time.monotonic()
    start = time.perf_counter()
    if scale == 1:
        article: Article = load_article()
        source = "bundled article"
    else:
        article = parse_article(synthetic_article(scale))
        source = f"synthetic, seed {SEED}"
    emit(
        "corpus",
        scale=scale,
        source=source,
        passages=len(article.passages),
        sections=len(article.sections),
        chars=sum(len(p.text) for p in article.passages),
        seconds=time.perf_counter() - start,
        rss_mb=rss_mb(),
    )

    # tokenize -----------------------------------------------------------------------------
    tokenizer = Tokenizer()
    tokenizer.words("準備")  # load the dictionary once, outside every figure
    asked = questions()
    words = {q: tokenizer.words(q) for q in asked}
    terms = [tokenizer.terms(q) for q in asked]
    per_question = time_calls(tokenizer.words, asked, rounds, budget)
    before = rss_mb()
    start = time.perf_counter()
    docs = [tokenizer.terms(p.text) for p in article.passages]
    emit(
        "tokenize",
        question=Sample(per_question, "ms"),
        passages_s=time.perf_counter() - start,
        tokens=sum(map(len, docs)),
        vocabulary=len({t for d in docs for t in d}),
        rss_growth_mb=rss_mb() - before,
    )

    keep: list[Any] = []  # every index stays alive: each RSS growth is its own
    bm25s_top = _bm25s_stage(docs, terms, rounds, budget, builds, keep)
    _naive_stage(docs, terms, bm25s_top, rounds, budget, builds, keep)

    # project ------------------------------------------------------------------------------
    emit("project_start", seconds=time.monotonic() - began)
    index, seconds, grown = timed(lambda: SearchIndex(article, tokenizer), builds)
    pickled: dict[str, float] = {}
    with contextlib.suppress(Exception):  # the index may not pickle in some version
        start = time.perf_counter()
        blob = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        pickled["dump_s"] = time.perf_counter() - start
        start = time.perf_counter()
        pickle.loads(blob)
        pickled["load_s"] = time.perf_counter() - start
        pickled["mb"] = len(blob) / 2**20
        del blob
    full = time_calls(lambda q: index.search(q, k=K), asked, rounds, budget)
    scoring = None
    if hasattr(index, "tokenizer"):
        real = index.tokenizer
        index.tokenizer = cast(Tokenizer, Pretokenized(real, words))
        try:
            scoring = Sample(
                time_calls(lambda q: index.search(q, k=K), asked, rounds, budget), "ms"
            )
        finally:
            index.tokenizer = real
    emit(
        "project",
        build_s=seconds,
        rss_growth_mb=grown,
        pickle=pickled,
        search=Sample(full, "ms"),
        search_pretokenized=scoring,
    )

    # answering ----------------------------------------------------------------------------
    if answering:
        from bot import console, render

        answers = {q: index.search(q, k=6) for q in asked}
        bot = time_calls(lambda q: render.answer_html(index.search(q, k=6), 3), asked, rounds, 60)
        cli = time_calls(
            lambda q: json.dumps(
                console.answer_json(index.search(q, k=JSON_HITS)), ensure_ascii=False
            ),
            asked,
            rounds,
            60,
        )
        html = time_calls(lambda q: render.answer_html(answers[q], 3), asked, rounds, 60)
        emit(
            "answering",
            bot_html=Sample(bot, "ms"),
            cli_json=Sample(cli, "ms"),
            render_html=Sample(html, "ms"),
            answered=sum(a.answered for a in answers.values()),
            questions=len(asked),
        )
    emit("done", peak_rss_mb=peak_rss_mb())


def _bm25s_stage(
    docs: list[list[str]],
    terms: list[list[str]],
    rounds: int,
    budget: float,
    builds: int,
    keep: list[Any],
) -> list[list[int]] | None:
    """bm25s over the same token lists; returns each question's top passages."""
    try:
        import bm25s
    except ImportError:
        emit("bm25s", missing=True)
        return None
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    def build() -> Any:
        model = bm25s.BM25(k1=K1, b=B, delta=0.0, method="bm25+")
        model.index(docs, show_progress=False)
        return model

    model, seconds, grown = timed(build, builds)
    keep.append(model)
    # bm25s refuses a query with no indexed term: such a question matches nothing.
    vocab = model.vocab_dict
    known = [[t for t in q if t and t in vocab] for q in terms]

    def retrieve(query: list[str]) -> Any:
        if not query:
            return None
        return model.retrieve([query], k=min(K, len(docs)), show_progress=False)

    def scores_top(query: list[str]) -> list[int]:
        return top_k(model.get_scores(query)) if query else []

    emit(
        "bm25s",
        build_s=seconds,
        rss_growth_mb=grown,
        retrieve=Sample(time_calls(retrieve, known, rounds, budget), "ms"),
        get_scores=Sample(time_calls(scores_top, known, rounds, budget), "ms"),
    )
    return [scores_top(q) for q in known]


def _naive_stage(
    docs: list[list[str]],
    terms: list[list[str]],
    bm25s_top: list[list[int]] | None,
    rounds: int,
    budget: float,
    builds: int,
    keep: list[Any],
) -> None:
    """rank-bm25 over the same token lists: every passage, or those sharing a term."""
    from rank_bm25 import BM25Plus

    bm25, seconds, grown = timed(lambda: BM25Plus(docs, k1=K1, b=B, delta=0), builds)
    keep.append(bm25)
    postings: dict[str, list[int]] = {}
    for doc_id, freqs in enumerate(bm25.doc_freqs):
        for term in freqs:
            postings.setdefault(term, []).append(doc_id)
    keep.append(postings)

    def sharing(query: list[str]) -> list[int]:
        """The passages that hold a term of the query."""
        return sorted({d for t in query for d in postings.get(t, ())})

    def naive(query: list[str]) -> list[int]:
        return top_k(np.asarray(bm25.get_scores(query)))

    def batch(query: list[str]) -> list[int]:
        ids = sharing(query)
        if not ids:
            return []
        scores = np.asarray(bm25.get_batch_scores(query, ids))
        return [ids[i] for i in top_k(scores)]

    agree = None
    if bm25s_top is not None:
        # The same formula (BM25+, delta 0): bm25s' best passage must score as high as
        # rank-bm25's best, up to float32 rounding (ties may pick another passage).
        # Passages sharing no term score 0, so the best is among those that share one.
        hits = total = 0
        for query, theirs in zip(terms, bm25s_top, strict=True):
            ids = sharing(query)
            if not ids:
                continue
            scores = dict(zip(ids, bm25.get_batch_scores(query, ids), strict=True))
            best = max(scores.values())
            if best <= 0:
                continue
            total += 1
            hits += bool(theirs) and scores.get(theirs[0], 0.0) >= best * (1 - 1e-5)
        agree = hits / max(total, 1)
    emit(
        "naive",
        build_s=seconds,
        rss_growth_mb=grown,
        get_scores=Sample(time_calls(naive, terms, rounds, budget), "ms"),
        get_batch_scores=Sample(time_calls(batch, terms, rounds, budget), "ms"),
        top1_agreement_with_bm25s=agree,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engines")
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the questions")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per figure, about")
    parser.add_argument("--builds", type=int, default=1, help="builds of each index")
    parser.add_argument("--answering", action="store_true")
    args = parser.parse_args(argv)
    run(args.scale, args.rounds, args.budget, max(1, args.builds), args.answering)
    return 0


if __name__ == "__main__":
    sys.exit(main())
