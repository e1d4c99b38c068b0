"""`python -m benchmarks`: every figure, each retrieval mode beside the other, as Markdown."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bot, common, inprocess, loglock, processes, slowloris
from benchmarks.common import Row, Sample, machine

PARTS = ("inprocess", "ask", "busy", "bot", "slowloris", "scale", "loglock")
MODES = ("lexical", "hybrid")  # lexical first: the baseline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few repeats, small")
    parser.add_argument("--only", action="append", choices=PARTS, help="run this part (repeatable)")
    parser.add_argument("--modes", default=",".join(MODES), help="lexical,hybrid (default both)")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--log-baseline", metavar="REV", help="loglock: also measure the bot of commit REV"
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        metavar="DIR",
        help="run the bot and ask from the checkout DIR (its .venv) instead of this one",
    )
    args = parser.parse_args(argv)
    if args.checkout:
        common.CHECKOUT[:] = [args.checkout.resolve()]
    modes = [m for m in MODES if m in args.modes.split(",")]
    parts = args.only or list(PARTS)
    quick = args.quick

    began, load = time.monotonic(), os.getloadavg()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="interview-bot-bench-") as tmp:
        workdir = Path(tmp)
        caches: dict[str, Path] = {}

        if "inprocess" in parts:
            rounds, budget = (1, 2.0) if quick else (10, 20.0)
            for mode in modes:
                say(f"in-process, {mode}")
                rows += inprocess.answering(mode, rounds, budget)
            say("the question log")
            rows += inprocess.question_log(rounds, budget)
        if {"ask", "busy", "bot", "slowloris"} & set(
            parts
        ):  # these start from the cache `ask` fills
            repeats, batches = (2, 1) if quick else (10, 3)
            rows += [processes.python_alone(repeats)] if "ask" in parts else []
            for mode in modes:
                say(f"ask, {mode}")
                caches[mode] = processes.filled_cache(mode, workdir)
                if "ask" in parts:
                    rows += processes.run(mode, repeats, batches, caches[mode], workdir)
                if "busy" in parts:
                    say(f"ask beside busy cores, {mode}")
                    rows += processes.busy(mode, caches[mode], batches)
        if "bot" in parts:
            chats, per_chat, bursts, trips = (10, 5, 1, 20) if quick else (50, 20, 3, 200)
            for mode in modes:
                say(f"bot, {mode}")
                rows += bot.run(mode, caches[mode], chats, per_chat, bursts, trips, workdir)
        if "slowloris" in parts:
            for mode in modes[:1]:  # (the server's figure: the retrieval is the same)
                say(f"the webhook under slow connections, {mode}")
                rows += slowloris.run(mode, caches[mode], 2 if quick else 5, workdir)
        if "scale" in parts:
            factor, rounds, budget = (10, 1, 2.0) if quick else (100, 3, 20.0)
            say(f"lexical index at {factor}×")
            rows += inprocess.scale(factor, rounds, budget)

        if "loglock" in parts:
            say("the question log locked by another process")
            rows += loglock.run(workdir / "loglock-cache", workdir, args.log_baseline)

    seconds = time.monotonic() - began
    report = render(rows, seconds, load, os.getloadavg(), quick)
    print(report)
    if args.output:
        args.output.write_text(report + "\n", encoding="utf-8")
    return 0


def say(step: str) -> None:
    print(f"… {step}", file=sys.stderr, flush=True)


def render(
    rows: list[Row],
    seconds: float,
    load_start: tuple[float, float, float],
    load_end: tuple[float, float, float],
    quick: bool,
) -> str:
    """The report: the machine, then one table of every figure, lexical beside hybrid."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"{'A quick' if quick else 'A full'} run on {when}, {seconds / 60:.1f} minutes.",
        "",
        *(f"- {fact}" for fact in machine()),
        "- Load average (1, 5, 15 min) at start: "
        + ", ".join(f"{x:.2f}" for x in load_start)
        + "; at end: "
        + ", ".join(f"{x:.2f}" for x in load_end),
        "",
        "| figure | mode | n | median | p99 | unit | target | verdict | note |",
        "| --- | --- | --: | --: | --: | --- | --- | --- | --- |",
    ]
    order = {(r.part, r.figure): i for i, r in reversed(list(enumerate(rows)))}
    ranked = sorted(
        rows, key=lambda r: (order[(r.part, r.figure)], MODES.index(r.mode or "lexical"))
    )
    part = ""
    for row in ranked:
        if row.part != part:
            part = row.part
            lines.append(f"| **{part}** | | | | | | | | |")
        lines.append(_line(row))
    return "\n".join(lines)


def _line(row: Row) -> str:
    s: Sample | None = row.sample
    cells = ["", "", "", ""]
    if s is not None and s.values:
        cells = [str(len(s.values)), _number(s.median), _number(s.p99), s.unit]
    verdict = {True: "met", False: "**missed**", None: ""}[row.met]
    return "| " + " | ".join([row.figure, row.mode, *cells, row.target, verdict, row.note]) + " |"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"
