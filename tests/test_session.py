"""The conversation both front ends render (bot.session), and the house rules around it: one
module for what the bot says, no Telegram in the front-end-neutral code."""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
from pathlib import Path

from bot.session import (
    Answered,
    ListSections,
    Notice,
    Quit,
    SectionDone,
    Session,
    ShowHelp,
    ShowSection,
)
from index.hybrid import HybridIndex
from index.search import SearchIndex

ROOT = Path(__file__).parent.parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")


def test_a_line_is_a_command_a_section_or_a_question(index: SearchIndex) -> None:
    session = Session(index)
    assert session.line("   ") is None
    assert isinstance(session.line("/quit"), Quit)
    assert isinstance(session.line("/help"), ShowHelp)
    assert isinstance(session.line("/sections"), ListSections)
    assert isinstance(session.line("/section"), ListSections)
    for ref in ("§5", "/section 5", "/section ５", "§ 05"):
        reply = session.line(ref)
        assert isinstance(reply, ShowSection) and reply.section.number == 5, ref
    missing = session.line("/section 99")
    assert isinstance(missing, Notice) and "99" in missing.text
    assert isinstance(session.line("/nonsense"), Notice)
    empty = session.line("/ask")
    assert isinstance(empty, Notice) and "/ask" in empty.text
    answer = session.line("ロボットが外科医を超えるのはいつ?")
    assert isinstance(answer, Answered) and answer.answer.hits[0].passage.section == 5


def test_a_conversation_follows_up_on_its_own_last_answer(index: SearchIndex) -> None:
    session = Session(index)
    first = session.ask("ロボットが外科医を超えるのはいつ?", conversation=1)
    assert isinstance(first, Answered) and first.seen
    more = session.ask("もっと詳しく", conversation=1)
    assert isinstance(more, Answered | SectionDone)
    if isinstance(more, Answered):
        assert {h.passage.section for h in more.answer.hits} == {5}
        assert not set(first.seen) & {h.passage.id for h in more.answer.hits}
    other = session.ask("もっと詳しく", conversation=2)  # another conversation: no context
    assert isinstance(other, Answered) and not other.answer.answered
    alone = session.ask("もっと詳しく", conversation=1, recall=False)
    assert isinstance(alone, Answered) and not alone.answer.answered


def test_more_goes_on_past_the_sections_end_then_says_so_once(index: SearchIndex) -> None:
    session = Session(index)
    session.ask("ロボットが外科医を超えるのはいつ?", conversation=7)
    replies = [session.ask("もっと詳しく", conversation=7) for _ in index.article.passages]
    ends = [i for i, reply in enumerate(replies) if isinstance(reply, SectionDone)]
    assert len(ends) == 1  # said once; a "more" after it is a message of its own
    *going, end = replies[: ends[0] + 1]
    assert isinstance(end, SectionDone) and end.number == 5 and end.sections[0] == 5
    passages = [
        tuple(h.passage.id for h in r.answer.hits) for r in going if isinstance(r, Answered)
    ]
    assert len(passages) == len(going) and len(set(passages)) == len(passages)
    # The first reply from each section after §5 names the section read to its end.
    moved = [(r.after, r.answer.hits[0].passage.section) for r in going if r.after is not None]
    assert moved == list(itertools.pairwise(end.sections))
    after = replies[ends[0] + 1]
    assert isinstance(after, Answered) and not after.answer.answered and not after.follows


def test_a_question_without_its_topic_leads_with_what_the_chat_did_not(
    hybrid: HybridIndex,
) -> None:
    session = Session(hybrid)
    leads = []
    for text in ("老後のためにお金を貯めておくべきですか", "それはなぜ?", "为什么"):
        reply = session.ask(text, conversation=3)
        assert isinstance(reply, Answered) and reply.answer.answered
        leads.append(reply.answer.lead)
    assert len(set(leads)) == 3


def test_no_user_facing_japanese_outside_the_messages_module() -> None:
    found = []
    for path in sorted((ROOT / "bot").glob("*.py")):
        if path.name == "messages.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Docstrings may quote what users type; the rest is what the code says.
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docs or not isinstance(node, ast.Constant):
                continue
            if isinstance(node.value, str) and JAPANESE.search(node.value):
                found.append(f"{path.name}:{node.lineno}: {node.value[:30]!r}")
    assert found == []


def test_the_console_and_the_session_never_import_telegram() -> None:
    modules = "bot.session, bot.console, bot.cli, bot.settings"
    code = f"import sys, {modules}; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
