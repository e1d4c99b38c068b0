"""`interview-bot ask` as a user runs it: start-up, batch answering, peak memory.

Every figure is a whole process, timed from just before it starts to just after it exits,
with its peak RSS read from wait4. The index cache (index/cache.py, if this version has one)
is pointed at a temporary directory: an empty one for a cold start, one that an earlier run
filled for a warm start, "off" for no cache. The user's own cache is never touched.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import (
    Finished,
    Row,
    Sample,
    child_env,
    interview_bot_command,
    run_measured,
    within,
)
from benchmarks.corpus import questions

QUESTION = "ロボットが外科医を超えるのはいつ?"
BATCH = 1000


@dataclass
class CacheInfo:
    env: str | None  # the variable that points the cache at a directory, or None: no cache

    @property
    def exists(self) -> bool:
        return self.env is not None


def cache_info() -> CacheInfo:
    """Whether this version caches the built index, and which variable places the cache."""
    try:
        module = importlib.import_module("index.cache")
    except ImportError:
        return CacheInfo(None)
    return CacheInfo(str(getattr(module, "CACHE_ENV", "INTERVIEW_BOT_CACHE_DIR")))


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    warm_cache: Path | None = None  # a filled cache directory, for later benchmarks


def _env(cache: CacheInfo, directory: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if cache.env:
        env[cache.env] = directory or "off"
    return env


def _ask(env: dict[str, str], *args: str, stdin: bytes = b"") -> Finished:
    done = run_measured([*interview_bot_command(), "ask", *args], env, stdin=stdin, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(
            f"interview-bot ask {' '.join(args)} failed ({done.returncode}): "
            + done.stderr.decode(errors="replace")[-2000:]
        )
    return done


# Modules whose import cost is worth a line (cumulative, as -X importtime counts it).
WATCHED = (
    "site",
    "__editable__",
    "bot.cli",
    "index.search",
    "index.cache",
    "sudachipy",
    "numpy",
    "rank_bm25",
    "telegram",
)


def imports(env: dict[str, str]) -> tuple[set[str], dict[str, float]]:
    """Top-level packages `ask` imports, and what the watched ones cost (cumulative ms)."""
    done = _ask(dict(env, PYTHONPROFILEIMPORTTIME="1"), QUESTION)
    names: set[str] = set()
    costs: dict[str, float] = {}
    for line in done.stderr.decode(errors="replace").splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if not match:
            continue
        name = match.group(3)
        names.add(name.split(".")[0])
        for watched in WATCHED:
            if name == watched or (watched == "__editable__" and name.startswith(watched)):
                costs[watched] = max(costs.get(watched, 0.0), int(match.group(2)) / 1000)
    return names, costs


def run(repeats: int, batch_repeats: int, workdir: Path) -> Results:
    out = Results()
    cache = cache_info()
    group = "ask: process start to exit"

    python = Sample(
        [run_measured([sys.executable, "-c", "pass"], _env(cache, None)).wall_s for _ in range(5)],
        "s",
    )
    out.rows.append(Row(group, "python -c pass (the interpreter alone)", python))

    modes: list[tuple[str, str | None, bool]] = []  # (label, cache dir, fresh dir per run)
    if cache.exists:
        warm = Path(tempfile.mkdtemp(prefix="warm-", dir=workdir))
        _ask(_env(cache, str(warm)), QUESTION)  # fills it
        out.warm_cache = warm
        modes = [
            ("cold: empty index cache (build + write)", "", True),
            ("warm: index cache filled", str(warm), False),
            ("no cache (cache off)", None, False),
        ]
    else:
        modes = [("cold (this version has no index cache)", None, False)]

    peaks: dict[str, Sample] = {}
    for label, directory, fresh in modes:
        walls: list[float] = []
        peak: list[float] = []
        for _ in range(repeats):
            where = tempfile.mkdtemp(prefix="cold-", dir=workdir) if fresh else directory
            done = _ask(_env(cache, where), QUESTION)
            walls.append(done.wall_s)
            peak.append(done.peak_mb)
        sample = Sample(walls, "s")
        out.rows.append(Row(group, f"ask, {label}", sample, "≤ 0.3 s", within(sample, 0.3)))
        peaks[label] = Sample(peak, "MB")

    names, costs = imports(_env(cache, str(out.warm_cache) if out.warm_cache else None))
    heavy = ", ".join(f"{n} {ms:.0f}" for n, ms in costs.items())
    out.rows.append(
        Row(
            group,
            "ask imports telegram",
            None,
            "no",
            "telegram" not in names,
            f"{'yes' if 'telegram' in names else 'no'}; numpy "
            f"{'yes' if 'numpy' in names else 'no'}, rank_bm25 "
            f"{'yes' if 'rank_bm25' in names else 'no'}; import ms (-X importtime, "
            f"cumulative): {heavy}",
        )
    )

    # ask --json - over many questions: per question, the one-question run subtracted.
    asked = questions()
    lines = [asked[i % len(asked)] for i in range(BATCH)]
    many = ("\n".join(lines) + "\n").encode()
    one = (lines[0] + "\n").encode()
    env = _env(cache, str(out.warm_cache) if out.warm_cache else None)
    per_question: list[float] = []
    batch_peak: list[float] = []
    for _ in range(batch_repeats):
        single = _ask(env, "--json", "-", stdin=one)
        full = _ask(env, "--json", "-", stdin=many)
        answers = [json.loads(line) for line in full.stdout.decode().splitlines()]
        if len(answers) != BATCH:
            raise RuntimeError(f"ask --json - gave {len(answers)} answers for {BATCH} questions")
        per_question.append((full.wall_s - single.wall_s) / (BATCH - 1) * 1000)
        batch_peak.append(full.peak_mb)
    sample = Sample(per_question, "ms")
    out.rows.append(
        Row(
            "ask --json - (1,000 questions)",
            "per question: (T(1000) − T(1)) / 999",
            sample,
            "≤ 0.5 ms",
            within(sample, 0.5),
            f"{len(asked)} questions cycled; warm cache" if cache.exists else "",
        )
    )

    group = "peak memory (RSS of the process)"
    for label, sample in peaks.items():
        out.rows.append(Row(group, f"ask, {label}", sample, "≤ 150 MB", within(sample, p99=150.0)))
    sample = Sample(batch_peak, "MB")
    out.rows.append(
        Row(group, "ask --json - (1,000 questions)", sample, "≤ 150 MB", within(sample, p99=150))
    )
    split = breakdown(env)
    if split:
        out.rows.append(
            Row(
                group,
                "  what that RSS is: anonymous (heap) after 72 questions",
                Sample([split["anonymous"]], "MB"),
                note=f"RSS {split['rss']:.0f} MB, of which {split['file']:.0f} MB mapped files "
                "(Sudachi's system.dic is mmapped: clean pages, shared, reclaimable)",
            )
        )
    return out


PROBE = """
import json, sys
from benchmarks.common import memory_map
from benchmarks.corpus import questions
try:
    from index.cache import load_index
    index = load_index()
except ImportError:
    from index.article import load_article
    from index.search import SearchIndex
    index = SearchIndex(load_article())
for question in questions():
    index.search(question)
print(json.dumps(memory_map()))
"""


def breakdown(env: dict[str, str]) -> dict[str, float]:
    """What the memory of a process that answered the questions is made of (Linux only)."""
    done = run_measured([sys.executable, "-c", PROBE], child_env(**_changes(env)))
    if done.returncode != 0:
        return {}
    data: dict[str, float] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return data


def _changes(env: dict[str, str]) -> dict[str, str | None]:
    return {k: v for k, v in env.items() if os.environ.get(k) != v}
