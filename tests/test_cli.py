from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from index.article import bundled_article_path

DATA = Path(__file__).parent / "data"
SOURCE = bundled_article_path().read_text(encoding="utf-8")


def cli(*args: str, stdin: str | bytes = b"") -> subprocess.CompletedProcess[str]:
    """Runs the installed console script as a user would."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=data, capture_output=True, timeout=60
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def test_ask_prints_the_lead_then_quotes_with_section_labels() -> None:
    result = cli("ask", "ロボットが外科医を超えるのはいつ?")
    assert result.returncode == 0, result.stderr
    lead, quotes = result.stdout.split("\n\n", 1)
    assert lead.startswith("» ") and "3年以内" in lead
    assert quotes.startswith("§5 「3年以内に")
    assert "今後3年以内に、ロボットの手術能力が" in quotes


def test_ask_words_need_no_quotes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "将来の世界の", "通貨は?"]) == 0
    assert "§6" in capsys.readouterr().out


def test_ask_off_topic_says_so_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "ビットコインの価格は?"]) == 0
    out = capsys.readouterr().out
    assert "見つかりませんでした" in out and "§" not in out


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("第5章を見せて", "§5 「3年以内に"),
        ("show me chapter 5", "§5 “Within 3 years, robots’ surgical abilities"),
        ("看第五章", "§5 “3年之内，机器人的手术能力"),
        ("第5章を英語で見せて", "§5 “Within 3 years"),
        ("こんにちは", "こんにちは。記事「"),
        ("hello", "Hello! I answer questions about the article"),
        ("Write me a tweet about this article", "I can't do that"),
        ("能不能帮我把上面的内容翻译成英文", "还没有可以翻译的内容"),
        ("Translate it into French", "I can show the article only in Japanese (the original), "),
        ("謝謝", "不客氣"),
    ],
)
def test_ask_answers_other_kinds_of_message_in_their_language(
    capsys: pytest.CaptureFixture[str], message: str, said: str
) -> None:
    assert main(["ask", message]) == 0
    assert capsys.readouterr().out.startswith(said)


def test_ask_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "将来の世界の通貨は何になる"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["question"] == "将来の世界の通貨は何になる"
    assert answer["answered"] is True
    first = answer["hits"][0]
    assert set(first) >= {"section", "title", "passage_id", "score", "text", "excerpt"}
    assert first["section"] == 6
    assert first["title"] == "「将来の世界の通貨は、本質的にはワットだ。」"
    assert first["passage_id"].startswith("6-")
    assert isinstance(first["score"], float)
    for hit in answer["hits"]:
        assert hit["text"] in SOURCE
        assert hit["excerpt"] in hit["text"]
    scores = [h["score"] for h in answer["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_top_limits_hits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "-k", "1", "ロボット"]) == 0
    assert len(json.loads(capsys.readouterr().out)["hits"]) == 1


def test_batch_writes_one_line_per_question_in_order() -> None:
    questions = ["将来の世界の通貨は何になる", "", "今日の東京の天気は?", "   ", "学歴の価値は?"]
    result = cli("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == [q.strip() for q in questions]
    assert [a["answered"] for a in answers] == [True, False, False, False, True]
    assert answers[0]["hits"][0]["section"] == 6
    assert answers[4]["hits"][0]["section"] == 3
    assert answers[1]["hits"] == []


def test_batch_survives_crlf_and_undecodable_bytes() -> None:
    result = cli(
        "ask", "--json", "-", stdin=b"\xff\xfe\r\n\xe5\xa4\xaa\xe9\x99\xbd\xe5\x85\x89\r\n"
    )
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 2
    assert answers[1]["question"] == "太陽光"


def test_section_prints_title_and_text() -> None:
    result = cli("section", "5")
    assert result.returncode == 0
    assert result.stdout.startswith("§5 「3年以内に、ロボットの手術能力は")
    assert "これは「集団進化」である。" in result.stdout
    assert "§6" not in result.stdout


def test_section_prints_a_translation_with_each_paragraphs_original() -> None:
    result = cli("section", "5", "--language", "en")
    assert result.returncode == 0, result.stderr
    head, note, _, first, original = result.stdout.split("\n")[:5]
    assert head.startswith("§5 “Within 3 years, robots’ surgical abilities")
    assert note == "From the article (translated from Japanese):"
    assert first == "So who will bring that era about?"
    assert original.startswith("  > では、その時代を")
    assert cli("section", "5", "--language", "fr").returncode == 2


@pytest.mark.parametrize("ref", ["05", "§5", "５"])
def test_section_accepts_the_ways_people_write_numbers(
    ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["section", ref]) == 0
    assert capsys.readouterr().out.startswith("§5 ")


def test_sections_lists_every_title(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sections"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 12
    assert lines[11] == "§11 最後に"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "empty question"),
        (["ask", "  "], "empty question"),
        (["section", "99"], "no section '99': sections are numbered 0–11"),
        (["section", "abc"], "no section 'abc'"),
        (["section", "-1"], "no section '-1'"),
        (["ask", "--article", "/nonexistent/a.txt", "質問"], "cannot read article"),
        (["eval", "/nonexistent/q.jsonl"], "cannot read question file"),
        (["ask", "-k", "0", "質問"], "--top must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "holds no text"), (b"\n \n\t\n", "holds no text"), (b"abc\xff\xfe", "not UTF-8")],
)
def test_bad_article_files_are_one_line_and_exit_2(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    result = cli("ask", "--article", str(path), "質問")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_article_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = cli("section", "1", "--article", str(tmp_path))
    assert result.returncode == 2 and "is not a regular file" in result.stderr


def test_another_article_can_be_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "article.txt"
    path.write_text(
        "猫の本\n前書き。\n01\n猫の食事\n猫は魚と肉を好んで食べる動物で、毎日の食事は二回が目安とされる。\n"
        "02\n猫の睡眠\n猫は一日に十四時間以上も眠ることがあり、その多くは浅い眠りである。\n",
        encoding="utf-8",
    )
    assert main(["ask", "--json", "--article", str(path), "猫はどれくらい眠る?"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["answered"] and answer["hits"][0]["section"] == 2
    assert answer["hits"][0]["title"] == "猫の睡眠"


def test_chat_accepts_what_telegram_accepts_and_answers_in_japanese() -> None:
    session = [
        "/help",
        "将来の世界の通貨は何になる",
        "§6",
        "/section ５",
        "/section 42",
        "/sections",
        "/ask 学歴の価値は?",
        "/ask",
        "/nope",
        "/quit",
        "この行は読まれない",
    ]
    result = cli("chat", stdin="\n".join(session) + "\n")
    assert result.returncode == 0, result.stderr
    replies = result.stdout.split("\n\n")
    assert "/section N" in replies[0]
    assert replies[1] == "» 「将来の世界の通貨は、本質的にはワットだ。」"  # the lead, then quotes
    assert replies[2].startswith("§6 「将来の世界の通貨は、本質的にはワットだ。」")
    section = "§6 「将来の世界の通貨は、本質的にはワットだ。」\n\n"  # as §6 opens the section
    assert section in result.stdout.split(replies[2], 1)[1]
    assert "§5 「3年以内に" in result.stdout
    assert "「42」という章はありません。章の番号は 0〜11" in result.stdout
    assert "§11 最後に" in result.stdout
    assert "§3 " in result.stdout
    assert "/ask のあとに質問を書いてください。" in result.stdout
    assert "知らないコマンドです。/help で使い方を表示します。" in result.stdout
    assert "読まれない" not in result.stdout


def test_chat_shows_sections_and_translations_in_the_last_messages_language() -> None:
    session = [
        "/section 5",  # nothing said yet: Japanese
        "hello",
        "/section 5",  # after English: English
        "ロボットが外科医を超えるのはいつ?",
        "上の内容を中国語に訳して",
        "§5",  # after Japanese: Japanese
        "in English please",  # the section just shown, in English
        "Translate it into French",
    ]
    result = cli("chat", stdin="\n".join(session) + "\n")
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    sections = [b for b in blocks if b.startswith("§5 ") and "[5-" not in b]  # (not a quote)
    assert [s.split("\n")[0][3:5] for s in sections] == ["「3", "“W", "「3", "“W"]
    assert "文章内容（译自日文）：\n\n» " in result.stdout  # the answer, in Chinese
    assert "I can show the article only in Japanese (the original), English, " in result.stdout


def test_chat_more_goes_on_past_the_section_then_says_so_once() -> None:
    result = cli("chat", stdin="ロボットが外科医を超えるのはいつ?\n" + "もっと\n" * 12)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("§5 の箇所はこれで全部です。この質問について、§") == 1
    assert out.count("この質問に関わる箇所(§5, ") == 1
    done = out.split("この質問に関わる箇所(§5, ", 1)[1]
    assert "これで全部です。\n続きは次の章で: /section 6\n/sections で章の一覧" in done
    ids = re.findall(r"  \[(\d+-\d+)\]$", out, flags=re.M)
    assert len(ids) == len(set(ids)) > 6  # each passage once


def test_chat_hints_at_its_own_command_and_ask_at_its_own() -> None:
    assert "/sections で章の一覧" in cli("chat", stdin="ビットコインの価格は?\n").stdout
    asked = cli("ask", "ビットコインの価格は?").stdout
    assert "interview-bot sections で章の一覧" in asked and "/sections" not in asked


def test_quotes_print_no_empty_lines() -> None:
    out = cli("ask", "--retrieval", "lexical", "将来の世界の通貨は何になる").stdout
    assert "  > " in out and not any(line.rstrip() == ">" for line in out.splitlines())
    assert not any(line.endswith(" ") for line in out.splitlines())


def test_ask_stdin_in_plain_text_heads_each_answer_with_its_question() -> None:
    result = cli("ask", "-", stdin="学歴の価値は?\nビットコインの価格は?\n")
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.strip().split("\n\n質問: ")
    assert blocks[0].startswith("質問: 学歴の価値は?\n» ") and "\n\n§3 " in blocks[0]
    assert blocks[1].startswith("ビットコインの価格は?\nこの記事には")


def test_ask_stdin_with_other_words_is_an_error() -> None:
    result = cli("ask", "-", "extra", stdin="学歴の価値は?\n")
    assert result.returncode == 2 and "standard input" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--article", "{path}", "--retrieval", "lexical", "ask", "--json", "猫はどれくらい眠る?"],
        ["ask", "--json", "--article", "{path}", "--retrieval", "lexical", "猫はどれくらい眠る?"],
        ["--retrieval", "lexical", "ask", "--json", "--article", "{path}", "猫はどれくらい眠る?"],
    ],
)
def test_global_options_go_before_or_after_the_command(
    tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cats.txt"
    path.write_text("猫の本\n01\n猫の睡眠\n猫は一日に十四時間も眠る。\n", encoding="utf-8")
    assert main([a.replace("{path}", str(path)) for a in args]) == 0
    assert json.loads(capsys.readouterr().out)["hits"][0]["title"] == "猫の睡眠"


def test_the_flag_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEW_BOT_RETRIEVAL", "nonsense")
    assert cli("ask", "学歴の価値は?").returncode == 2
    assert "INTERVIEW_BOT_RETRIEVAL" in cli("ask", "学歴の価値は?").stderr
    assert cli("ask", "--retrieval", "lexical", "学歴の価値は?").returncode == 0


def test_version() -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"interview-bot {importlib.metadata.version('interview-bot')}"


@pytest.mark.parametrize(
    ("command", "variables"),
    [
        ("run", ["TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "INTERVIEW_BOT_RETRIEVAL"]),
        ("ask", ["INTERVIEW_BOT_RETRIEVAL", "INTERVIEW_BOT_CACHE_DIR"]),
        ("eval", ["INTERVIEW_BOT_RETRIEVAL"]),
        ("chat", ["INTERVIEW_BOT_RETRIEVAL"]),
    ],
)
def test_each_commands_help_names_the_environment_it_reads(
    command: str, variables: list[str]
) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0
    for variable in variables:
        assert variable in result.stdout


def test_chat_ends_on_end_of_input() -> None:
    result = cli("chat", stdin="大学に行く意味\n")
    assert result.returncode == 0 and "§3" in result.stdout


def test_help_lists_every_command() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("ask", "chat", "section", "sections", "eval"):
        assert command in result.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("interview-bot")
    assert script.exists(), "pip install -e . should install the interview-bot script"
    result = subprocess.run(
        [str(script), "ask", "--json", "太陽光"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": ""},
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["answered"] is True


@pytest.mark.parametrize(
    "flags", [["--base-url", "ftp://x"], ["--base-url", "notaurl"], ["--port", "99999"]]
)
def test_run_with_a_wrong_setting_fails_at_once_in_one_line(flags: list[str]) -> None:
    token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and flags[0] in result.stderr
    assert token not in result.stderr + result.stdout
