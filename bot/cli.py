"""interview-bot: ask the interview questions from the console, browse it, score it, run the bot."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import TextIO

from bot import render
from bot.config import add_run_arguments
from index.article import Article, ArticleError, load_article, parse_section_ref
from index.cache import load_index
from index.search import SearchIndex

EXIT_USAGE = 2

CHAT_HELP = """質問をそのまま入力すると、記事の該当箇所を引用して答えます。
  /section N   第N章を表示 (0–{last})
  /sections    章の一覧
  /help        このヘルプ
  /quit        終了"""


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def _load(args: argparse.Namespace) -> Article:
    try:
        return load_article(args.article)
    except ArticleError as exc:
        raise UsageError(str(exc)) from None


def _index(args: argparse.Namespace) -> SearchIndex:
    try:
        return load_index(args.article)
    except ArticleError as exc:
        raise UsageError(str(exc)) from None


def _section(article: Article, ref: str) -> str:
    number = parse_section_ref(ref)
    section = article.section(number) if number is not None else None
    if section is None:
        last = article.sections[-1].number
        raise UsageError(f"no section {ref!r}: sections are numbered 0–{last}")
    return render.section_text(section)


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    question = " ".join(args.question).strip()
    batch = args.question == ["-"]
    if not batch and not question:
        raise UsageError(
            "empty question: ask QUESTION, or ask --json - to read questions from stdin"
        )
    index = _index(args)
    top = args.top or (10 if args.json else 3)
    questions = (line.rstrip("\r\n") for line in sys.stdin) if batch else iter([question])
    for line in questions:
        answer = index.search(line.strip(), k=top)
        if args.json:
            out.write(json.dumps(render.answer_json(answer), ensure_ascii=False) + "\n")
            out.flush()
        else:
            out.write(render.answer_text(answer, limit=top) + "\n")
            if batch:
                out.write("\n")
    return 0


def cmd_section(args: argparse.Namespace, out: TextIO) -> int:
    out.write(_section(_load(args), args.number) + "\n")
    return 0


def cmd_sections(args: argparse.Namespace, out: TextIO) -> int:
    out.write(render.sections_text(_load(args)) + "\n")
    return 0


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    index = _index(args)
    article = index.article
    help_text = CHAT_HELP.format(last=article.sections[-1].number)
    interactive = sys.stdin.isatty()
    if interactive:
        out.write(f"{article.headline}\n{help_text}\n")
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = sys.stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        command, _, rest = text.partition(" ")
        if command in ("/quit", "/exit"):
            return 0
        if command == "/help":
            reply = help_text
        elif command == "/sections" or (command == "/section" and not rest.strip()):
            reply = render.sections_text(article)
        elif command == "/section":
            try:
                reply = _section(article, rest)
            except UsageError as exc:
                reply = str(exc)
        elif command.startswith("/"):
            reply = f"unknown command {command}; /help lists the commands"
        else:
            reply = render.answer_text(index.search(text))
        out.write(reply + "\n\n")
        out.flush()


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from index import evaluate

    try:
        questions = evaluate.load_questions(args.file)
    except evaluate.QuestionFileError as exc:
        raise UsageError(str(exc)) from None
    index = _index(args)
    results = evaluate.run(questions, lambda q: index.search(q, k=10))  # mrr over 10 hits
    figures = evaluate.figures(results)
    if args.json:
        out.write(json.dumps(asdict(figures)) + "\n")
    else:
        if args.misses:
            for r in results:
                if not r.correct:
                    verdict = f"top={r.sections[:3]}" if r.answer.answered else "declined"
                    out.write(
                        f"miss {r.question.id}: {verdict} gold={list(r.question.sections)}"
                        f"  {r.question.question}\n"
                    )
        out.write(
            f"{figures.questions} questions ({figures.answerable} answerable, "
            f"{figures.unanswerable} not)\n"
            f"hit@1 {figures.hit1:.3f}  hit@3 {figures.hit3:.3f}  mrr {figures.mrr:.3f}  "
            f"evidence@1 {figures.evidence1:.3f}  coverage {figures.coverage:.3f}  "
            f"rejection {figures.rejection:.3f}\n"
        )
    return 0


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from bot.app import main as run_bot  # telegram is imported only to run the bot

    return run_bot(args)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--article", metavar="PATH", help="a UTF-8 article file instead of the bundled interview"
    )
    parser = argparse.ArgumentParser(
        prog="interview-bot",
        description="Answers questions about an interview article with quotes from it.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[common], help="answer one question on the console")
    ask.add_argument("question", nargs="+", help="the question; '-' reads one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "-k", "--top", type=int, metavar="N", help="passages to show (3; 10 with --json)"
    )
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", parents=[common], help="interactive console chat")
    chat.set_defaults(func=cmd_chat)

    section = sub.add_parser("section", parents=[common], help="print section N")
    section.add_argument("number", help="section number, e.g. 5, 05 or §5")
    section.set_defaults(func=cmd_section)

    sections = sub.add_parser("sections", parents=[common], help="list the sections")
    sections.set_defaults(func=cmd_sections)

    ev = sub.add_parser("eval", parents=[common], help="score retrieval on a question file")
    ev.add_argument("file", help="JSON Lines: {id, question, sections, evidence}")
    ev.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ev.add_argument("--misses", action="store_true", help="list the questions it gets wrong")
    ev.set_defaults(func=cmd_eval)

    run = sub.add_parser("run", parents=[common], help="run the Telegram bot")
    add_run_arguments(run)
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    args = build_parser().parse_args(argv)
    if getattr(args, "top", None) is not None and args.top < 1:
        print("interview-bot: error: --top must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args, sys.stdout))
    except UsageError as exc:
        print(f"interview-bot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
