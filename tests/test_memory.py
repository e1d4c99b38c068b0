"""The memory of labelled messages: shipped with the bundled article, read as neighbours,
left out for the set being scored, and taught by an operator's files (--memory)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.cache import (
    SHIPPED_MEMORY,
    encode_questions,
    load_memory,
    load_retriever,
    reload_memory,
)
from index.embed import default_encoder
from index.hybrid import HybridIndex
from index.memory import Example, Memory, MemoryFileError, example, fold, load_examples
from index.search import SearchIndex

# A question the article's passages alone decline (section 3 answers it), and a trap they
# answer: an operator's labelled lines teach the bot both (and tests/e2e/test_memory_reload.py).
DECLINED, TRAP = "大学の授業料はどれだけ上がった?", "中国のチップは何ナノ?"
TWIN = {"question": DECLINED, "sections": [3], "evidence": ["900%"]}
TRAP_LINE = {"question": TRAP, "sections": [], "evidence": []}


def test_the_shipped_memory_never_holds_the_development_set_or_the_final_checks() -> None:
    data = Path(__file__).parent / "data"
    sources = {e.source for e in load_examples(SHIPPED_MEMORY)}
    assert sources and not sources & {"dev", "phone", "final", "final-ja", "final-intl"}
    kept = {fold(e.question) for e in load_examples(SHIPPED_MEMORY)}
    for name in ("dev", "phone", "final", "final-ja", "final-intl"):
        lines = (data / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        held = {fold(json.loads(line)["question"]) for line in lines if line.strip()}
        assert not held & kept, name


def test_the_shipped_memory_vectors_are_what_the_encoder_computes(hybrid: HybridIndex) -> None:
    assert hybrid.memory is not None and len(hybrid.memory) > 1000
    rows = range(0, len(hybrid.memory.examples), 97)  # a sample: encoding them all takes 15 s
    texts = [hybrid.read(hybrid.memory.examples[i].question) for i in rows]
    fresh = encode_questions(hybrid.encoder, texts)
    assert (np.einsum("ij,ij->i", hybrid.memory.vectors[list(rows)], fresh) > 0.999).all()


def test_the_first_answer_after_installing_encodes_no_labelled_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = default_encoder()
    assert encoder is not None

    def refuse(texts: object) -> None:
        raise AssertionError("the shipped memory was encoded")

    monkeypatch.setattr(encoder, "questions", refuse)
    index = load_retriever(mode="hybrid", cache_dir=tmp_path / "empty")
    assert isinstance(index, HybridIndex) and index.memory is not None


def test_a_set_is_scored_with_its_own_lines_left_out(hybrid: HybridIndex) -> None:
    assert hybrid.memory is not None
    question = hybrid.memory.examples[0].question
    narrowed = hybrid.leave_out({"hira"}, [question])
    assert narrowed.memory is not None and narrowed is not hybrid
    active = [e for e, on in zip(narrowed.memory.examples, narrowed.memory.rows, strict=True) if on]
    assert active and not any(e.source == "hira" or e.question == question for e in active)
    assert len(hybrid.memory) == len(hybrid.memory.examples)  # the shipped one is untouched


def test_the_neighbours_vote_for_the_section_of_a_question_they_know(hybrid: HybridIndex) -> None:
    ranking = hybrid.rank("ロボットっていつ医者より上手くなるの?")
    assert ranking is not None and ranking.recall is not None
    sections = ranking.recall.sections
    assert max(sections, key=sections.__getitem__) == 5
    assert ranking.recall.answerable > 0.5


def test_a_neighbour_that_shares_the_topic_outvotes_one_that_shares_only_the_frame() -> None:
    """Questions of one frame are near each other by cosine whatever they ask about: the
    neighbour that holds the message's rarer words votes more."""
    frame = Example("What does he say about Bitcoin?", (), ())  # a trap, nearest by cosine
    topic = Example("What does he say about China's compute?", (8,), ("中国",))
    others = [Example(q, (), ()) for q in ("Weather today", "Tesla stock", "Hi", "Thanks!")]
    rows = np.eye(8, dtype=np.float32)[: 2 + len(others)]
    rows[0], rows[1] = [1, 0.01, 0, 0, 0, 0, 0, 0], [1, 0, 0.05, 0, 0, 0, 0, 0]
    rows[2:, 0] = 0.0
    vectors = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    memory = Memory((frame, topic, *others), vectors)
    asked = np.eye(8, dtype=np.float32)[0]
    by_cosine = memory.recall(asked)
    by_words_too = memory.recall(asked, "What does he say about China?")
    assert by_cosine is not None and by_words_too is not None
    assert by_cosine.answerable < 0.5 < 0.6 < by_words_too.answerable
    assert 8 in by_words_too.sections


def test_the_first_three_hits_come_from_distinct_sections(hybrid: HybridIndex) -> None:
    answer = hybrid.search("ロボットが外科医を超えるのはいつ?", k=6)
    first = [hit.passage.section for hit in answer.hits[:3]]
    assert len(set(first)) == 3
    scores = [hit.score for hit in answer.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('{"question": "x"}', "not labelled yet"),
        ('{"question": "x", "unlabelled": true, "sections": []}', "not labelled yet"),
        ('{"question": "", "sections": []}', "no question"),
        ('{"question": "x", "sections": [1], "kind": "chat"}', "has no sections"),
        ('{"question": "x", "sections": [], "kind": "gossip"}', "is not one of"),
        ('{"question": "x", "sections": ["1"]}', "is not a number"),
        ('{"question": "x", "sections": [], "kind": "section"}', "needs"),
        ("[1, 2]", "not a JSON object"),
        ("{", "Expecting"),
    ],
)
def test_a_bad_line_is_one_error_naming_the_file_and_line(
    tmp_path: Path, line: str, why: str
) -> None:
    path = tmp_path / "taught.jsonl"
    path.write_text('{"question": "ok", "sections": []}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(MemoryFileError, match=rf"taught\.jsonl:3: .*{why}"):
        load_examples(path)


def test_a_labelled_line_reads_as_an_example() -> None:
    row = {"question": " 第5章 ", "sections": [], "kind": "section", "section": 5}
    taught = example(row, "ops")
    assert (taught.question, taught.kind, taught.section, taught.source) == (
        "第5章",
        "section",
        5,
        "ops",
    )


def test_an_operators_file_is_cached_and_read_again(hybrid: HybridIndex, tmp_path: Path) -> None:
    taught = tmp_path / "taught.jsonl"
    taught.write_text('{"question": "テスト用の質問", "sections": [3], "evidence": []}\n')
    first = load_memory(hybrid, [taught], bundled=False, cache_dir=tmp_path / "cache")
    assert first is not None and [e.question for e in first.examples] == ["テスト用の質問"]
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1
    again = load_memory(hybrid, [taught], bundled=False, cache_dir=tmp_path / "cache")
    assert again is not None and np.array_equal(again.vectors, first.vectors)


def test_a_reload_encodes_only_the_questions_the_memory_in_use_lacks(
    hybrid: HybridIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taught = tmp_path / "taught.jsonl"
    taught.write_text(jsonl(TRAP_LINE), encoding="utf-8")
    encoded: list[str] = []
    questions = hybrid.encoder.questions

    def spy(texts: Sequence[str]) -> None:
        encoded.extend(texts)
        questions(texts)

    monkeypatch.setattr(hybrid.encoder, "questions", spy)
    first = reload_memory(hybrid, None, [taught], cache_dir=None)
    assert first is not None and first.memory is not None
    assert encoded == [hybrid.read(TRAP)]  # (the shipped memory's vectors are read)
    with taught.open("a", encoding="utf-8") as file:
        file.write(jsonl(TWIN))
    encoded.clear()
    second = reload_memory(first, None, [taught], cache_dir=None)
    assert second is not None and second.memory is not None
    assert encoded == [hybrid.read(DECLINED)]
    assert [e.question for e in second.memory.examples[-2:]] == [TRAP, DECLINED]
    assert np.array_equal(second.memory.vectors[:-1], first.memory.vectors)
    # A copy each time: what answered before answers as it did.
    assert not first.search(DECLINED).answered and second.search(DECLINED).answered
    assert hybrid.memory is not None and len(first.memory) == len(hybrid.memory) + 1


def test_a_reload_of_lexical_retrieval_is_none(index: SearchIndex, tmp_path: Path) -> None:
    taught = tmp_path / "taught.jsonl"
    taught.write_text(jsonl(TWIN), encoding="utf-8")
    assert reload_memory(index, None, [taught], cache_dir=None) is None


def _ask(*args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


@pytest.mark.usefixtures("hybrid")
def test_an_operator_teaches_the_bot_with_labelled_messages(tmp_path: Path) -> None:
    """A question declined before is answered once its labelled twin is added, and a trap
    answered before is declined."""
    assert _ask("ask", "--json", DECLINED)["kind"] == "declined"
    assert _ask("ask", "--json", TRAP)["kind"] == "answer"
    taught = tmp_path / "taught.jsonl"
    taught.write_text("".join(map(jsonl, [TWIN, TRAP_LINE])), encoding="utf-8")
    answered = _ask("--memory", str(taught), "ask", "--json", DECLINED)
    assert answered["kind"] == "answer" and answered["hits"][0]["section"] == 3  # type: ignore[index]
    assert _ask("--memory", str(taught), "ask", "--json", TRAP)["kind"] == "declined"


def jsonl(row: object) -> str:
    """One line of a memory file."""
    return json.dumps(row, ensure_ascii=False) + "\n"
