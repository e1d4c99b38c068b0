"""`interview-bot ask` as a user runs it: start to exit, batch answering, peak memory.

Each figure is a whole process of the installed script, timed from just before it starts to
just after it exits, its peak RSS read from wait4. The index cache is pointed at temporary
directories (an empty one for a cold start, one an earlier run filled for a warm start); the
user's own cache is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import Finished, Row, Sample, child_env, interview_bot, run_measured, within
from benchmarks.corpus import many_questions

PART = "interview-bot ask, a process"
QUESTION = "ロボットが外科医を超えるのはいつ?"
BATCH = 1000
TARGETS = {  # start to exit (s), per question over the batch (ms), peak RSS (MB)
    "lexical": (0.3, 0.5, 150.0),
    "hybrid": (0.5, 15.0, 250.0),
}


def ask(mode: str, cache: Path, *args: str, stdin: bytes = b"") -> Finished:
    env = child_env(INTERVIEW_BOT_CACHE_DIR=str(cache), INTERVIEW_BOT_RETRIEVAL=mode)
    done = run_measured([*interview_bot(), "ask", *args], env, stdin=stdin)
    if done.returncode != 0:
        raise RuntimeError(f"ask {' '.join(args)} exited {done.returncode}: {done.stderr!r}")
    return done


def python_alone(repeats: int) -> Row:
    walls = [
        run_measured([sys.executable, "-c", "pass"], child_env()).wall_s for _ in range(repeats)
    ]
    return Row(PART, "python -c pass (the interpreter alone, for scale)", "", Sample(walls, "s"))


def filled_cache(mode: str, workdir: Path) -> Path:
    """A new index cache directory, filled by answering a question in `mode`."""
    cache = Path(tempfile.mkdtemp(prefix=f"warm-{mode}-", dir=workdir))
    ask(mode, cache, QUESTION)
    return cache


def run(mode: str, repeats: int, batches: int, warm: Path, workdir: Path) -> list[Row]:
    """The rows for one retrieval mode; `warm` is a cache the mode has filled."""
    start_s, per_question_ms, peak_mb = TARGETS[mode]
    rows: list[Row] = []
    peaks: dict[str, list[float]] = {}  # peak RSS (MB) of each kind of run
    for label, fresh in (("cold", True), ("warm", False)):
        runs = [
            ask(mode, Path(tempfile.mkdtemp(dir=workdir)) if fresh else warm, QUESTION)
            for _ in range(max(1, repeats // 3) if fresh else repeats)
        ]
        sample = Sample([r.wall_s for r in runs], "s")
        if fresh:
            rows.append(Row(PART, "ask, cold: empty index cache (builds it)", mode, sample))
        else:
            rows.append(
                Row(PART, "ask, warm", mode, sample, f"≤ {start_s:g} s", within(sample, start_s))
            )
        peaks[label] = [r.peak_mb for r in runs]

    lines = many_questions(BATCH)
    many = "".join(f"{q}\n" for q in lines).encode()
    per_question: list[float] = []
    for _ in range(batches):
        one = ask(mode, warm, "--json", "-", stdin=f"{lines[0]}\n".encode())
        full = ask(mode, warm, "--json", "-", stdin=many)
        answers = [json.loads(line) for line in full.stdout.decode().splitlines()]
        if len(answers) != BATCH:
            raise RuntimeError(f"ask --json - gave {len(answers)} answers to {BATCH} questions")
        per_question.append((full.wall_s - one.wall_s) / (BATCH - 1) * 1000)
        peaks.setdefault(f"ask --json - ({BATCH:,} questions)", []).append(full.peak_mb)
    sample = Sample(per_question, "ms")
    rows.append(
        Row(
            PART,
            f"ask --json -, per question: (T({BATCH:,}) − T(1)) / {BATCH - 1}",
            mode,
            sample,
            f"≤ {per_question_ms:g} ms",
            within(sample, per_question_ms),
            f"{BATCH:,} different questions; warm cache",
        )
    )
    for label, values in peaks.items():
        rows.append(
            Row(
                PART,
                f"peak RSS: {label}",
                mode,
                Sample(values, "MB"),
                f"≤ {peak_mb:g} MB",
                max(values) <= peak_mb,
            )
        )
    return rows


BUSY_BATCH = 300
# The thread settings of numpy's OpenBLAS and the encoder's OpenMP without the project's
# defaults (index/__init__.py, index/embed.py): a thread per core whatever the load, and
# libgomp's spin before sleeping.
LIBRARY_THREADS = {
    "OPENBLAS_NUM_THREADS": str(os.cpu_count() or 1),
    "OMP_NUM_THREADS": str(os.cpu_count() or 1),
    "GOMP_SPINCOUNT": "300000",
}


def busy(mode: str, warm: Path, batches: int) -> list[Row]:
    """`ask --json -` per question, idle and with a CPU-bound process on every core, with the
    project's thread settings and, as the baseline, the libraries' own."""
    lines = many_questions(BUSY_BATCH)
    many = "".join(f"{q}\n" for q in lines).encode()
    one = f"{lines[0]}\n".encode()
    rows = []
    for label, threads in (("the libraries' thread defaults", LIBRARY_THREADS), ("as shipped", {})):
        figures: dict[str, list[float]] = {"idle": [], "busy": []}
        for _ in range(batches):
            for state in ("idle", "busy"):
                load = [
                    subprocess.Popen([sys.executable, "-c", "while True: pass"])
                    for _ in range(os.cpu_count() or 1)
                    if state == "busy"
                ]
                try:
                    first = _ask_env(mode, warm, threads, one)
                    full = _ask_env(mode, warm, threads, many)
                finally:
                    for proc in load:
                        proc.kill()
                        proc.wait()
                figures[state].append((full - first) / (BUSY_BATCH - 1) * 1000)
        idle, loaded = Sample(figures["idle"], "ms"), Sample(figures["busy"], "ms")
        ratio = loaded.median / idle.median if idle.median else 0.0
        shipped = not threads
        rows += [
            Row(PART, f"ask --json -, per question, idle: {label}", mode, idle),
            Row(
                PART,
                f"ask --json -, per question, every core busy: {label}",
                mode,
                loaded,
                "≤ 2.5 × idle" if shipped else "",
                ratio <= 2.5 if shipped else None,
                f"{ratio:.1f} × idle; {BUSY_BATCH} questions",
            ),
        ]
    return rows


def _ask_env(mode: str, cache: Path, threads: dict[str, str], stdin: bytes) -> float:
    env = child_env(INTERVIEW_BOT_CACHE_DIR=str(cache), INTERVIEW_BOT_RETRIEVAL=mode, **threads)
    done = run_measured([*interview_bot(), "ask", "--json", "-"], env, stdin=stdin)
    if done.returncode != 0:
        raise RuntimeError(f"ask --json - exited {done.returncode}: {done.stderr!r}")
    return done.wall_s
