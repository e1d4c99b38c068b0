"""interview-bot: ask the interview questions from the console, browse it, score it, run the bot."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot import console, health, messages, report
from bot.questionlog import entry, question_log
from bot.report import ReportError
from bot.session import Answered, Session
from bot.settings import Settings, SettingsError, add_arguments, environment_help
from index import evaluate
from index.about import load_about
from index.article import ArticleError, load_article
from index.cache import load_retriever
from index.evaluate import QuestionFileError
from index.memory import MemoryFileError
from index.search import Retriever
from index.text import LANGUAGES, encodable
from index.translations import translations_for

EXIT_USAGE = 2
ENV_ARTICLE = """environment:
  (none: the article is read from --article or the bundled interview)"""


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


# What main() reports as bad input (one line, exit code 2): the CLI's own, and the errors of
# an article, a setting, a question file or a log that cannot work.
USAGE_ERRORS = (
    UsageError,
    ArticleError,
    SettingsError,
    QuestionFileError,
    ReportError,
    MemoryFileError,
)


def _retriever(args: argparse.Namespace, settings: Settings) -> Retriever:
    return load_retriever(
        args.article, settings.retrieval, settings.cache_dir, memory=settings.memory
    )


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    if args.top is not None and args.top < 1:
        raise UsageError(messages.CLI_TOP)
    batch = "-" in args.question
    if batch and len(args.question) > 1:
        raise UsageError(messages.CLI_BATCH_ALONE)
    question = encodable(" ".join(args.question)).strip()
    if not batch and not question:
        raise UsageError(messages.CLI_EMPTY_QUESTION)
    settings = Settings.load("answer", args)
    index = _retriever(args, settings)
    questions_log = question_log(settings)
    console_user = questions_log.user("console", None) if questions_log else ""
    top = args.top or (10 if args.json else 3)
    questions: Iterable[str] = map(str.strip, sys.stdin) if batch else [question]
    session = Session(index, load_about(index.article, args.article))
    try:
        for line in questions:
            answer = index.search(line, k=top)
            if questions_log is not None and line:
                logged = entry(Answered(answer, None), line, "console", console_user, top)
                questions_log.record(logged)
            said = "" if args.json else console.reply_text(session, answer, top)
            if args.json:
                data = console.answer_json(answer, session.about.translations)
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
            elif batch:
                heading = messages.said(messages.BATCH_QUESTION, "ja").format(question=line)
                out.write(f"{heading}\n{said}\n\n")
            else:
                out.write(said + "\n")
            out.flush()
    finally:
        if questions_log is not None:  # what is still queued, written at once or counted
            questions_log.close()
    return 0


def cmd_section(args: argparse.Namespace, out: TextIO) -> int:
    article = load_article(args.article)
    if (section := article.find(args.number)) is None:
        first, last = article.span
        raise UsageError(messages.CLI_NO_SECTION.format(ref=args.number, first=first, last=last))
    translations = translations_for(args.article)
    out.write(console.section_text(section, args.language, translations) + "\n")
    return 0


def cmd_sections(args: argparse.Namespace, out: TextIO) -> int:
    out.write(console.sections_text(load_article(args.article)) + "\n")
    return 0


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    settings = Settings.load("answer", args)
    retriever = _retriever(args, settings)
    session = Session(retriever, load_about(retriever.article, args.article))
    questions_log = question_log(settings)
    chat = console.Chat(session, questions_log)
    interactive = sys.stdin.isatty()
    read: Callable[[], str | None] = _prompt if interactive else _line
    if interactive:
        out.write(chat.greeting() + "\n")
    try:
        # Until the input ends or the user quits (a reply of None).
        while (line := read()) is not None and (reply := chat.reply(line)) is not None:
            if reply:
                out.write(reply + "\n\n")
                out.flush()
    finally:
        if questions_log is not None:
            questions_log.close()
    return 0


def _line() -> str | None:
    return sys.stdin.readline() or None


def _prompt() -> str | None:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input(), where present)
    try:
        return input("> ")
    except EOFError:
        return None


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    questions = evaluate.load_questions(args.file)
    retriever = _retriever(args, Settings.load("answer", args))
    results = evaluate.run(questions, retriever, Path(args.file).stem)
    figures = evaluate.figures(results)
    if args.json:
        out.write(json.dumps(asdict(figures)) + "\n")
        return 0
    if args.misses:
        for r in results:
            if not r.correct:
                verdict = f"top={r.sections[:3]}" if r.answer.answered else r.answer.kind
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
        f"lead@1 {figures.lead1:.3f}  sure-right {figures.sure_right:.3f}  "
        f"unanswerable-sure {figures.high:.3f}  other-kind {figures.other_kind:.3f}\n"
    )
    if figures.kinds:
        out.write("kinds right: " + "  ".join(f"{k} {v:.3f}" for k, v in figures.kinds.items()))
        out.write("\n")
    return 0


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    logs = [Path(p) for p in args.logs] or [p for p in [Settings.load("answer", args).log] if p]
    if not logs:
        raise UsageError(messages.CLI_NO_LOG)
    try:
        since = (
            datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=UTC) if args.since else None
        )
    except ValueError:
        raise UsageError(messages.CLI_SINCE.format(since=args.since)) from None
    found = report.read(logs, since.timestamp() if since else 0.0)
    rows = found.rows
    if found.skipped:
        print(messages.CLI_SKIPPED.format(count=found.skipped), file=sys.stderr)
    if args.export:
        try:
            with open(args.export, "w", encoding="utf-8") as file:
                count = report.export(rows, file)
        except OSError as exc:
            raise UsageError(f"cannot write {args.export!r}: {exc.strerror}") from None
        print(messages.CLI_EXPORTED.format(count=count, path=args.export), file=sys.stderr)
    summary = report.report(rows, len(logs))
    (report.write_json if args.json else report.write_text)(summary, out)
    return 0


def cmd_health(args: argparse.Namespace, out: TextIO) -> int:
    healthy, line = health.check(Settings.load("answer", args).status or health.default_path())
    out.write(line + "\n")
    return 0 if healthy else 1


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
    add_arguments(parser, "answer", default)


def build_parser() -> argparse.ArgumentParser:
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

    answering = environment_help("answer")
    ask = command("ask", cmd_ask, "answer questions on the console", answering)
    ask.add_argument("question", nargs="+", help="the question; '-' reads one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "-k", "--top", type=int, metavar="N", help="passages to show (3; 10 with --json)"
    )
    command("chat", cmd_chat, "a console conversation", answering)
    section = command("section", cmd_section, "print section N", ENV_ARTICLE)
    section.add_argument("number", help="section number, e.g. 5, 05 or §5")
    section.add_argument(
        "--language",
        choices=LANGUAGES,
        default="ja",
        help="print it translated, each paragraph followed by its original, where the article "
        "is translated into LANGUAGE (ja: the original, the default)",
        metavar="LANGUAGE",
    )
    command("sections", cmd_sections, "list the sections", ENV_ARTICLE)
    ev = command("eval", cmd_eval, "score retrieval on a question file", answering)
    ev.add_argument("file", help="JSON Lines: {id, question, sections, evidence[, context]}")
    ev.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ev.add_argument("--misses", action="store_true", help="list the questions it gets wrong")
    rep = command("report", cmd_report, "what the question log says", environment_help("answer"))
    rep.add_argument(
        "logs", nargs="*", metavar="LOG", help="question logs (default: $INTERVIEW_BOT_LOG)"
    )
    rep.add_argument("--since", metavar="YYYY-MM-DD", help="only questions from this day (UTC) on")
    rep.add_argument("--json", action="store_true", help="print the report as one JSON object")
    rep.add_argument(
        "--export", metavar="FILE", help="write the declined and 👎 questions as a question file"
    )
    command(
        "health",
        cmd_health,
        "whether the running bot is connected and answering (exit 0), or why not (1)",
        environment_help("answer"),
    )
    run = command("run", cmd_run, "run the Telegram bot", environment_help("run"))
    add_arguments(run, "run")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="log at DEBUG (the token is still redacted)"
    )
    return parser


PACKAGE = "interview-bot"


def main(argv: Sequence[str] | None = None) -> int:
    # UTF-8: output strict (what reconfigure(encoding=...) alone sets), input lenient.
    for stream, errors in ((sys.stdout, "strict"), (sys.stderr, "strict"), (sys.stdin, "replace")):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors=errors)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, sys.stdout))
    except USAGE_ERRORS as exc:
        print(f"interview-bot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
