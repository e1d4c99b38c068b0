"""The README's console examples stay true: every output line it shows is what the CLI prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def examples() -> list[tuple[list[str], list[str]]]:
    """(argv, shown output lines) of each `$ interview-bot …` line that shows its output."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ interview-bot "):
                continue
            shown = []
            for out in lines[i + 1 :]:
                if out.startswith("$ "):
                    break
                if not out.startswith("> "):  # what a user types at the chat prompt
                    shown.append(out)
            if shown:
                found.append((shlex.split(line[2:], comments=True)[1:], shown))
    return found


def test_the_readme_has_examples_with_output() -> None:
    assert len(examples()) >= 2


@pytest.mark.parametrize(("argv", "shown"), examples())
def test_readme_example_output(
    argv: list[str], shown: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    for line in shown:
        if "…" in line:  # elided in the README: the part before the ellipsis must match
            head = line.split("…")[0]
            assert any(p.startswith(head) for p in printed), line
        else:
            assert line in printed, line
