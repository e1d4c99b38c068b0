"""Run every benchmark and print the figures: `python -m benchmarks [--quick]`.

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, Machine, Row, Sample, child_env, machine, within

REQUIREMENTS = Path(__file__).with_name("requirements.txt")


@dataclass(frozen=True)
class Settings:
    scales: tuple[int, ...]
    rounds: dict[int, int]  # passes over the questions, per scale
    budget: float  # seconds per timed figure of a scale, about
    builds: dict[int, int]  # builds of each index, per scale
    scale_timeout: dict[int, float]
    ask_repeats: int
    batch_repeats: int
    round_trips: int
    chats: int
    per_chat: int
    bursts: int
    answering_runs: int  # processes whose in-process answering figures are pooled


FULL = Settings(
    scales=(1, 10, 100, 1000),
    rounds={1: 30, 10: 10, 100: 5, 1000: 1},
    budget=10.0,
    builds={1: 5, 10: 3, 100: 2, 1000: 1},
    scale_timeout={1: 120, 10: 180, 100: 300, 1000: 330},
    ask_repeats=20,
    batch_repeats=10,
    round_trips=200,
    chats=50,
    per_chat=20,
    bursts=3,
    answering_runs=5,
)
QUICK = Settings(
    scales=(1, 10),
    rounds={1: 3, 10: 1},
    budget=2.0,
    builds={1: 1, 10: 1},
    scale_timeout={1: 60, 10: 60},
    ask_repeats=3,
    batch_repeats=1,
    round_trips=20,
    chats=10,
    per_chat=5,
    bursts=1,
    answering_runs=1,
)
PARTS = ("engines", "ask", "bot")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews the figures."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- bm25s
def ensure_bm25s(install: bool) -> bool:
    """bm25s is a benchmark-only dependency: install the pinned version if it is missing."""
    if importlib.util.find_spec("bm25s") is not None:
        return True
    pins = [
        line.strip()
        for line in REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not install:
        log(f"bm25s is not installed: its figures are left out (pip install {' '.join(pins)})")
        return False
    log(f"bm25s is not installed: pip install {' '.join(pins)} (benchmark-only dependency)")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *pins], check=False)
    importlib.invalidate_caches()
    if done.returncode != 0 or importlib.util.find_spec("bm25s") is None:
        log("could not install bm25s: its figures are left out")
        return False
    return True


# --------------------------------------------------------------------------- engines
@dataclass
class ScaleResult:
    scale: int
    stages: dict[str, dict[str, Any]]
    stopped: str = ""  # why the worker stopped early, if it did
    seconds: float = 0.0
    # The same size run again in other processes (1×: the answering figures are pooled).
    reruns: list[dict[str, dict[str, Any]]] = field(default_factory=list)


def run_scale(scale: int, settings: Settings) -> ScaleResult:
    command = [
        sys.executable,
        "-m",
        "benchmarks.engines",
        "--scale",
        str(scale),
        "--rounds",
        str(settings.rounds.get(scale, 1)),
        "--budget",
        str(settings.budget),
        "--builds",
        str(settings.builds.get(scale, 1)),
    ]
    if scale == 1:
        command.append("--answering")
    timeout = settings.scale_timeout.get(scale, 600)
    result = ScaleResult(scale, {})
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=err, env=child_env(), text=True
        )
        assert proc.stdout is not None
        timer = _Killer(proc, timeout)
        for line in proc.stdout:
            if line.startswith("{"):
                stage = json.loads(line)
                name = stage.pop("stage")
                result.stages[name] = stage
                log(f"  {scale}×: {name} ({time.monotonic() - start:.0f} s)")
        proc.wait()
        timer.cancel()
        result.seconds = time.monotonic() - start
        if timer.fired:
            result.stopped = f"stopped at the {timeout:.0f} s limit of this size"
            began = result.stages.get("project_start", {}).get("seconds")
            if began is not None and "project" not in result.stages:
                result.stopped += f": SearchIndex build still running after {timeout - began:.0f} s"
        elif proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-1:]
            result.stopped = f"failed ({proc.returncode}): {' '.join(tail)}"
    return result


class _Killer:
    def __init__(self, proc: subprocess.Popen[str], timeout: float) -> None:
        import threading

        self.fired = False
        self._proc = proc
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        self._proc.kill()

    def cancel(self) -> None:
        self._timer.cancel()


def _sample(data: dict[str, Any] | None) -> Sample | None:
    if not data:
        return None
    return Sample(list(data.get("values", [])), str(data.get("unit", "")))


def engine_rows(results: list[ScaleResult]) -> list[Row]:
    """The target figures that come from the engines runs (1× answering, 100× scale)."""
    rows: list[Row] = []
    for result in results:
        answering = result.stages.get("answering")
        if answering:
            group = "answering in-process (bundled article, one question)"
            runs = [result.stages, *result.reruns]
            bot = _pooled(runs, "answering", "bot_html")
            cli = _pooled(runs, "answering", "cli_json")
            assert bot and cli
            if len(runs) > 1:
                medians = ", ".join(
                    f"{one.median:.3f}"
                    for run in runs
                    if (one := _sample(run.get("answering", {}).get("bot_html")))
                )
                group += f", pooled over {len(runs)} processes (their medians: {medians} ms)"
            rows.append(
                Row(
                    group,
                    "search(k=6) + answer_html, as the bot answers",
                    bot,
                    "p50 ≤ 0.3 ms, p99 ≤ 1 ms",
                    within(bot, 0.3, 1.0),
                    f"{answering['answered']}/{answering['questions']} questions answered",
                )
            )
            rows.append(
                Row(
                    group,
                    "search(k=10) + answer_json + json.dumps, as ask --json (10 hits)",
                    cli,
                    "p50 ≤ 0.3 ms, p99 ≤ 1 ms",
                    within(cli, 0.3, 1.0),
                )
            )
            tok = _pooled(runs, "tokenize", "question")
            if tok:
                rows.append(Row(group, "  of which: Tokenizer.words(question)", tok))
            pre = _pooled(runs, "project", "search_pretokenized")
            if pre:
                rows.append(Row(group, "  of which: search(k=5) after tokenizing", pre))
            html = _pooled(runs, "answering", "render_html")
            if html:
                rows.append(Row(group, "  of which: answer_html", html))
        if result.scale == 100:
            group = f"scale 100× ({_passages(result)} passages)"
            project = result.stages.get("project")
            if project:
                build = Sample(project["build_s"], "s")
                rows.append(Row(group, "SearchIndex build", build, "≤ 15 s", within(build, 15.0)))
                search = _sample(project["search"])
                assert search
                rows.append(
                    Row(group, "per question: search(k=5)", search, "p50 ≤ 2 ms", within(search, 2))
                )
            else:
                rows.append(Row(group, "SearchIndex build", None, "≤ 15 s", None, result.stopped))
    return rows


def _pooled(runs: list[dict[str, dict[str, Any]]], stage: str, key: str) -> Sample | None:
    """One sample of every run's values of a figure."""
    samples = [_sample(run.get(stage, {}).get(key)) for run in runs]
    found = [s for s in samples if s is not None]
    if not found:
        return None
    return Sample([v for s in found for v in s.values], found[0].unit)


def _passages(result: ScaleResult) -> str:
    return f"{result.stages.get('corpus', {}).get('passages', '?'):,}"


# --------------------------------------------------------------------------- printing
def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - width(cell))
            out.append(pad + cell if i in right else cell + pad)
        return "| " + " | ".join(out) + " |"

    rules = ["-" * (w + 1) + ":" if i in right else "-" * (w + 2) for i, w in enumerate(widths)]
    rule = "|" + "|".join(rules) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def number(value: float, unit: str) -> str:
    if value != value:  # nan
        return "—"
    if unit == "ms":
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if unit == "s":
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if unit in ("MB", "answers/s"):
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    return f"{value:.3g}"


def main_table(rows: list[Row]) -> str:
    body = []
    group = None
    for row in rows:
        if row.group != group:
            group = row.group
            body.append([f"**{group}**", "", "", "", "", "", ""])
        sample = row.sample
        verdict = {True: "met", False: "MISSED", None: ""}[row.met]
        if row.met is None and row.target and sample is None:
            verdict = "not measured"
        if row.note:
            verdict = f"{verdict} ({row.note})" if verdict else row.note
        body.append(
            [
                row.figure,
                str(sample.n) if sample else "",
                number(sample.median, sample.unit) if sample else "",
                number(sample.p99, sample.unit) if sample and sample.n > 1 else "",
                sample.unit if sample else "",
                row.target,
                verdict,
            ]
        )
    return table(
        ["figure", "n", "median", "p99", "unit", "target", "verdict / note"], body, {1, 2, 3}
    )


ENGINES = (
    ("naive", "get_scores", "rank-bm25 get_scores, every passage (naive)"),
    ("naive", "get_batch_scores", "rank-bm25 get_batch_scores, passages sharing a term"),
    ("project", "search", "SearchIndex.search (tokenizes the question)"),
    ("project", "search_pretokenized", "SearchIndex.search, question pre-tokenized"),
    ("bm25s", "retrieve", "bm25s retrieve"),
    ("bm25s", "get_scores", "bm25s get_scores + top-k"),
    ("tokenize", "question", "Tokenizer.words(question) alone"),
)


def engines_table(results: list[ScaleResult]) -> str:
    body = []
    for result in results:
        naive = _sample(result.stages.get("naive", {}).get("get_scores"))
        body.append([f"**{result.scale}× ({_passages(result)} passages)**", "", "", "", ""])
        for stage, key, label in ENGINES:
            sample = _sample(result.stages.get(stage, {}).get(key))
            if sample is None or not sample.values:
                if stage in ("project", "bm25s") and key in ("search", "retrieve"):
                    why = "not installed" if result.stages.get(stage, {}).get("missing") else ""
                    body.append([label, "", "", "", why or result.stopped or "not measured"])
                continue
            ratio = ""
            if (stage, key) == ("naive", "get_scores"):
                ratio = "baseline"
            elif naive and naive.values and stage != "tokenize":
                speed = naive.median / sample.median
                ratio = f"{speed:.1f}× faster" if speed >= 1 else f"{1 / speed:.1f}× slower"
            body.append(
                [
                    label,
                    str(sample.n),
                    number(sample.median, "ms"),
                    number(sample.p99, "ms"),
                    ratio,
                ]
            )
        agree = result.stages.get("naive", {}).get("top1_agreement_with_bm25s")
        if agree is not None:
            body.append(["  same best passage, bm25s vs naive", "", f"{agree:.0%}", "", ""])
    return table(
        ["per question, top 5 (ms)", "n", "median", "p99", "vs naive (median)"], body, {1, 2, 3}
    )


def scale_table(results: list[ScaleResult]) -> str:
    body = []
    for result in results:
        s = result.stages
        corpus = s.get("corpus", {})
        project = s.get("project", {})
        pickled = project.get("pickle") or {}

        def build(stage: str, s: dict[str, dict[str, Any]] = s) -> str:
            values = s.get(stage, {}).get("build_s")
            if not values:
                return "—"
            sample = Sample(values, "s")
            return number(sample.median, "s") + (f" (n={sample.n})" if sample.n > 1 else "")

        def grown(stage: str, s: dict[str, dict[str, Any]] = s) -> str:
            value = s.get(stage, {}).get("rss_growth_mb")
            return "—" if value is None else f"{value:.0f}"

        tokenize = s.get("tokenize", {}).get("passages_s")
        body.append(
            [
                f"{result.scale}×",
                f"{corpus.get('passages', 0):,}",
                f"{corpus.get('chars', 0):,}",
                number(tokenize, "s") if tokenize is not None else "—",
                build("project"),
                build("naive"),
                build("bm25s"),
                f"{grown('project')} / {grown('naive')} / {grown('bm25s')}",
                f"{pickled['mb']:.1f} MB, {pickled['load_s']:.2f} s" if pickled else "—",
                f"{s['done']['peak_rss_mb']:.0f}" if "done" in s else "—",
                f"{result.seconds:.0f} s" + (f"; {result.stopped}" if result.stopped else ""),
            ]
        )
    return table(
        [
            "size",
            "passages",
            "chars",
            "tokenize passages (s)",
            "SearchIndex build (s)",
            "rank-bm25 build (s)",
            "bm25s build (s)",
            "RSS growth MB: project / rank-bm25 / bm25s",
            "pickled index: size, load",
            "peak RSS (MB)",
            "run time",
        ],
        body,
        {1, 2, 3, 4, 5, 6, 9},
    )


def report(
    info: Machine,
    rows: list[Row],
    scales: list[ScaleResult],
    mode: str,
    seconds: float,
    load: tuple[str, str],
) -> str:
    parts = [
        f"# interview-bot benchmarks ({mode} run, {seconds:.0f} s)",
        "",
        *(f"- {line}" for line in info.lines()),
        f"- Load average (1, 5, 15 min) at start: {load[0]}; at end: {load[1]}",
        "",
        "## Figures against the targets",
        "",
        main_table(rows),
    ]
    if scales:
        parts += [
            "",
            "## Engines side by side (same token lists, same questions, same process)",
            "",
            engines_table(scales),
            "",
            "## Scale: building and memory",
            "",
            scale_table(scales),
        ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run the interview-bot benchmarks."
    )
    parser.add_argument("--quick", action="store_true", help="a short smoke run (< 60 s)")
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    parser.add_argument("--scales", help="comma-separated document sizes, e.g. 1,10,100")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--output", metavar="FILE", help="also write the report to FILE")
    parser.add_argument(
        "--no-install", action="store_true", help="do not pip install bm25s when it is missing"
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    parts = set(args.only or PARTS)
    scales = settings.scales
    if args.scales:
        scales = tuple(int(x) for x in args.scales.split(",") if x.strip())

    started = time.monotonic()
    load_start = load_average()
    if "engines" in parts:
        ensure_bm25s(install=not args.no_install)
    info = machine()
    log("machine: " + "; ".join(info.lines()[:3]))
    rows: list[Row] = []
    results: list[ScaleResult] = []
    workdir = Path(tempfile.mkdtemp(prefix="interview-bot-bench-"))
    try:
        if "engines" in parts:
            for scale in scales:
                log(f"engines at {scale}× …")
                results.append(run_scale(scale, settings))
                if scale == 1:
                    for n in range(settings.answering_runs - 1):
                        log(f"engines at 1× again ({n + 2} of {settings.answering_runs}) …")
                        results[-1].reruns.append(run_scale(1, settings).stages)
            rows += engine_rows(results)
        warm: Path | None = None
        cache_env: str | None = None
        if "ask" in parts or "bot" in parts:
            from benchmarks import processes

            cache_env = processes.cache_info().env
        if "ask" in parts:
            log("interview-bot ask processes …")
            done = processes.run(settings.ask_repeats, settings.batch_repeats, workdir)
            rows += done.rows
            warm = done.warm_cache
        if "bot" in parts:
            from benchmarks import emulated

            if warm is None and cache_env:
                from benchmarks.processes import QUESTION, _ask, _env, cache_info

                warm = workdir / "warm"
                _ask(_env(cache_info(), str(warm)), QUESTION)
            log("the bot through the Telegram emulator …")
            plan = emulated.Plan(
                settings.round_trips, settings.chats, settings.per_chat, settings.bursts
            )
            rows += emulated.run(plan, workdir, warm, cache_env).rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    mode = "quick" if args.quick else "full"
    load = (load_start, load_average())
    text = report(info, _ordered(rows), results, mode, time.monotonic() - started, load)
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    if args.json:
        data = {
            "machine": info.__dict__,
            "rows": [r.to_json() for r in rows],
            "scales": [r.__dict__ for r in results],
        }
        Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return 0


def _ordered(rows: list[Row]) -> list[Row]:
    """Rows grouped, groups in the order they first appear (memory rows come from two parts)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    return [row for group in groups.values() for row in group]


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["ROOT", "main"]
