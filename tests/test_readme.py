"""The README's console examples stay true: each one is run, with the bundled article and the
default retrieval, and the output lines it shows must be what the command prints, in order.

In an example, `…` alone on a line stands for any number of printed lines, and `…` inside a
line for any text; lines between two `…` lines are consecutive printed lines. In a `chat`
example, lines starting with "> " are what the user types.
"""

from __future__ import annotations

import io
import re
import shlex
import tempfile
from pathlib import Path

import pytest

from bot.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
LOGS = Path(tempfile.mkdtemp(prefix="readme-log-"))  # a fresh one for each run
ELLIPSIS = "…"


def examples() -> list[tuple[str, list[str], str, list[str]]]:
    """(command line, argv, standard input, shown output lines) of each `$ … interview-bot …`
    line of a console block that shows its output."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ ") or "interview-bot" not in line:
                continue
            shown = []
            for out in lines[i + 1 :]:
                if out.startswith("$ "):
                    break
                shown.append(out)
            words = shlex.split(line[2:])
            stdin = ""
            if words[0] == "printf":  # printf 'a\nb\n' | interview-bot …
                stdin = words[1].encode().decode("unicode_escape").encode("latin-1").decode()
                words = words[words.index("|") + 1 :]
            typed = [out[2:] for out in shown if out.startswith("> ")]
            if words[1] == "chat":
                stdin = "".join(f"{t}\n" for t in typed)
            output = [out for out in shown if not out.startswith("> ")]
            if output:
                found.append((line, words[1:], stdin, output))
    return found


def matches(pattern: str, line: str) -> bool:
    parts = pattern.split(ELLIPSIS)
    if len(parts) == 1:
        return line == pattern
    if not (line.startswith(parts[0]) and line.endswith(parts[-1])):
        return False
    at = len(parts[0])
    for middle in parts[1:-1]:
        at = line.find(middle, at)
        if at < 0:
            return False
        at += len(middle)
    return at <= len(line) - len(parts[-1])


def appears_in_order(shown: list[str], printed: list[str]) -> str | None:
    """None if every run of shown lines (between `…` lines) is found, in order, as
    consecutive printed lines; else the first run that is not."""
    runs: list[list[str]] = [[]]
    for line in shown:
        if line == ELLIPSIS:
            runs.append([])
        else:
            runs[-1].append(line)
    at = 0
    for run in (r for r in runs if r):
        start = next(
            (
                i
                for i in range(at, len(printed) - len(run) + 1)
                if all(matches(p, printed[i + k]) for k, p in enumerate(run))
            ),
            None,
        )
        if start is None:
            return "\n".join(run)
        at = start + len(run)
    return None


def test_the_readme_has_examples_of_every_console_command() -> None:
    commands = {argv[0] if argv[0] != "--retrieval" else argv[2] for _, argv, _, _ in examples()}
    assert {"ask", "chat", "sections", "eval", "report"} <= commands


def test_matching_in_order() -> None:
    printed = ["a", "b1x", "c", "d", "e"]
    assert appears_in_order(["a", "b…x", ELLIPSIS, "d", "e"], printed) is None
    assert appears_in_order(["a", "c"], printed) == "a\nc"  # not consecutive
    assert appears_in_order(["d", ELLIPSIS, "a"], printed) == "a"  # not in order


@pytest.mark.usefixtures("hybrid")  # the default retrieval's index, built once in the cache
@pytest.mark.parametrize(
    ("line", "argv", "stdin", "shown"), examples(), ids=[e[0] for e in examples()]
)
def test_readme_example_output(
    line: str,
    argv: list[str],
    stdin: str,
    shown: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    if "questions.db" in argv:  # the question log's examples share one log, made here
        monkeypatch.chdir(LOGS)
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    missing = appears_in_order(shown, printed)
    assert missing is None, f"{line}: not printed in this order:\n{missing}"
