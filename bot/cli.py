"""interview-bot: ask the interview questions from the console, browse it, score it, run the bot."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from typing import TextIO

from bot import console
from index.article import Article, ArticleError, load_article, parse_section_ref
from index.cache import MODES, RETRIEVAL_ENV, default_retrieval, load_retriever
from index.search import Retriever

EXIT_USAGE = 2

# What each command reads from the environment, for its --help.
ENV_INDEX = f"""environment:
  {RETRIEVAL_ENV}   hybrid or lexical (--retrieval wins; default hybrid)
  INTERVIEW_BOT_CACHE_DIR   where the built index is cached (~/.cache/interview-bot; off)"""
ENV_ARTICLE = """environment:
  (none: the article is read from --article or the bundled interview)"""
ENV_RUN = """environment:
  TELEGRAM_BOT_TOKEN   the bot's token from @BotFather (required; never logged)
  TELEGRAM_BASE_URL    Bot API base URL up to /bot (--base-url)
  TELEGRAM_TEST_ENV=1  Telegram's test environment (--test-env)
  ALLOWED_CHAT_IDS     comma-separated chat ids answered (--allowed-chat-ids)
  TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_WEBHOOK_LISTEN, TELEGRAM_WEBHOOK_PORT
                       webhook mode (--webhook-url, --listen, --port)
  QUESTION_LIMIT, QUESTION_WINDOW, TELEGRAM_MAX_RATE   limits (see the README)
""" + ENV_INDEX.split("\n", 1)[1]


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def _article(args: argparse.Namespace) -> Article:
    try:
        return load_article(args.article)
    except ArticleError as exc:
        raise UsageError(str(exc)) from None


def _retriever(args: argparse.Namespace) -> Retriever:
    try:
        mode = args.retrieval or default_retrieval()
        return load_retriever(args.article, mode)
    except (ArticleError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _section(article: Article, ref: str) -> str:
    number = parse_section_ref(ref)
    section = article.section(number) if number is not None else None
    if section is None:
        first, last = article.sections[0].number, article.sections[-1].number
        raise UsageError(f"no section {ref!r}: sections are numbered {first}–{last}")
    return console.section_text(section)


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    batch = "-" in args.question
    if batch and len(args.question) > 1:
        raise UsageError("'-' reads the questions from standard input: give no other question")
    question = " ".join(args.question).strip()
    if not batch and not question:
        raise UsageError("empty question: ask QUESTION, or ask - to read questions from stdin")
    index = _retriever(args)
    top = args.top or (10 if args.json else 3)
    questions: Iterable[str] = (
        (line.rstrip("\r\n") for line in sys.stdin) if batch else iter([question])
    )
    for line in questions:
        answer = index.search(line.strip(), k=top)
        if args.json:
            out.write(json.dumps(console.answer_json(answer), ensure_ascii=False) + "\n")
        elif batch:
            out.write(f"質問: {line.strip()}\n{console.answer_text(answer, top)}\n\n")
        else:
            out.write(console.answer_text(answer, top) + "\n")
        out.flush()
    return 0


def cmd_section(args: argparse.Namespace, out: TextIO) -> int:
    out.write(_section(_article(args), args.number) + "\n")
    return 0


def cmd_sections(args: argparse.Namespace, out: TextIO) -> int:
    out.write(console.sections_text(_article(args)) + "\n")
    return 0


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    chat = console.Chat(_retriever(args))
    interactive = sys.stdin.isatty()
    read: Callable[[], str | None] = _prompt if interactive else _line
    if interactive:
        out.write(chat.greeting() + "\n")
    while (line := read()) is not None:
        reply = chat.reply(line)
        if reply is None:
            return 0
        if reply:
            out.write(reply + "\n\n")
            out.flush()
    return 0


def _line() -> str | None:
    line = sys.stdin.readline()
    return line if line else None


def _prompt() -> str | None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input(), where present)
    try:
        return input("> ")
    except EOFError:
        return None


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from index import evaluate

    try:
        questions = evaluate.load_questions(args.file)
    except evaluate.QuestionFileError as exc:
        raise UsageError(str(exc)) from None
    index = _retriever(args)
    results = evaluate.run(questions, index)
    figures = evaluate.figures(results)
    if args.json:
        out.write(json.dumps(asdict(figures)) + "\n")
        return 0
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


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """The options every command takes, before or after its name."""
    parser.add_argument(
        "--article",
        metavar="PATH",
        default=default,
        help="a UTF-8 article file instead of the bundled interview",
    )
    parser.add_argument(
        "--retrieval",
        choices=MODES,
        default=default,
        help=f"how passages are ranked (default: ${RETRIEVAL_ENV}, else hybrid)",
    )


def build_parser() -> argparse.ArgumentParser:
    from bot.config import add_run_arguments

    # After the command, a global option given before it must not be reset to its default.
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="interview-bot",
        description="Answers questions about an interview article with quotes from it.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {importlib.metadata.version(PACKAGE)}"
    )
    _global_options(parser, None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: object, help: str, epilog: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            parents=[common],
            help=help,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    ask = command("ask", cmd_ask, "answer questions on the console", ENV_INDEX)
    ask.add_argument("question", nargs="+", help="the question; '-' reads one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "-k", "--top", type=int, metavar="N", help="passages to show (3; 10 with --json)"
    )
    command("chat", cmd_chat, "a console conversation", ENV_INDEX)
    section = command("section", cmd_section, "print section N", ENV_ARTICLE)
    section.add_argument("number", help="section number, e.g. 5, 05 or §5")
    command("sections", cmd_sections, "list the sections", ENV_ARTICLE)
    ev = command("eval", cmd_eval, "score retrieval on a question file", ENV_INDEX)
    ev.add_argument("file", help="JSON Lines: {id, question, sections, evidence[, context]}")
    ev.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ev.add_argument("--misses", action="store_true", help="list the questions it gets wrong")
    run = command("run", cmd_run, "run the Telegram bot", ENV_RUN)
    add_run_arguments(run)
    return parser


PACKAGE = "interview-bot"


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
