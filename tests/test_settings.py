from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from bot.settings import OPTIONS, Settings, SettingsError, add_arguments

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser, "run")
    return parser.parse_args(argv)


def load(env: dict[str, str], *flags: str) -> Settings:
    return Settings.load("run", args(*flags), env)


def test_defaults_from_a_token_alone() -> None:
    settings = load({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.api_url == "https://api.telegram.org/bot{token}"
    assert settings.file_url == "https://api.telegram.org/file/bot{token}"
    assert settings.allowed_chat_ids is None and settings.webhook_url is None


def test_environment_settings() -> None:
    settings = load(
        {
            "TELEGRAM_BOT_TOKEN": f" {TOKEN}\n",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_TEST_ENV": "1",
            "ALLOWED_CHAT_IDS": "-1001234, 42,",
            "TELEGRAM_MAX_RATE": "0",
            "QUESTION_LIMIT": "5",
        }
    )
    assert settings.token == TOKEN
    assert settings.api_url == "http://127.0.0.1:8081/bot{token}/test"
    assert settings.allowed_chat_ids == frozenset({-1001234, 42})
    assert (settings.max_rate, settings.question_limit) == (0, 5)


def test_flags_override_the_environment() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "ALLOWED_CHAT_IDS": "1", "TELEGRAM_WEBHOOK_SECRET": "abc"}
    settings = load(
        env,
        "--base-url", "http://localhost:9/bot", "--test-env", "--allowed-chat-ids", "2,3",
        "--webhook-url", "https://example.org/telegram", "--listen", "0.0.0.0", "--port", "88",
    )  # fmt: skip
    assert settings.base_url == "http://localhost:9/bot" and settings.test_environment
    assert settings.allowed_chat_ids == frozenset({2, 3})
    assert (settings.webhook_url, settings.listen, settings.port) == (
        "https://example.org/telegram", "0.0.0.0", 88,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN + " extra"}, "malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "ftp://x/bot"}, "TELEGRAM_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "notaurl"}, "TELEGRAM_BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://h:1/"}, "ending in /bot"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": f"http://h/bot{TOKEN}"}, "<token>"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://[::1/bot"}, "BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://h:99999/bot"}, "BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://h:x/bot"}, "BASE_URL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ALLOWED_CHAT_IDS": "12,abc"}, "ALLOWED_CHAT_IDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "QUESTION_LIMIT": "-3"}, "QUESTION_LIMIT"),
    ],
)
def test_bad_settings_are_one_clear_line_without_the_token(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load(env)
    assert TOKEN not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_webhook_needs_https_and_a_well_formed_secret() -> None:
    token = {"TELEGRAM_BOT_TOKEN": TOKEN}
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load(token, "--webhook-url", "https://example.org/telegram")
    with pytest.raises(SettingsError, match="1-256 characters"):
        load({**token, "TELEGRAM_WEBHOOK_SECRET": "a b"}, "--webhook-url", "https://x.org/t")
    with pytest.raises(SettingsError, match="https://"):
        load(token, "--webhook-url", "http://example.org/telegram")


def test_the_token_and_secret_stay_out_of_repr() -> None:
    settings = Settings(token=TOKEN, webhook_secret="hush-hush")
    assert TOKEN not in repr(settings) and "hush-hush" not in repr(settings)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--base-url", "ftp://x"], "--base-url"),
        (["--base-url", "notaurl"], "--base-url"),
        (["--port", "0"], "--port"),
        (["--port", "65536"], "--port"),
        (["--webhook-url", "http://example.org/telegram"], "--webhook-url"),
        (["--webhook-url", "https://example.org:99999/telegram"], "--webhook-url"),
        (["--webhook-url", "https://[::1/telegram"], "--webhook-url"),
    ],
)
def test_bad_flags_are_one_clear_line(flags: list[str], message: str) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "abc"}
    with pytest.raises(SettingsError, match=message) as raised:
        load(env, *flags)
    assert TOKEN not in str(raised.value) and "\n" not in str(raised.value)


def test_a_flag_mends_what_the_environment_gets_wrong() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "notaurl"}
    fixed = load(env, "--base-url", "http://h:8/bot")
    assert fixed.base_url == "http://h:8/bot" and fixed.host == "h:8"


def test_the_cache_directory_and_retrieval_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert Settings.load(environ={"INTERVIEW_BOT_CACHE_DIR": str(tmp_path)}).cache_dir == tmp_path
    assert Settings.load(environ={"INTERVIEW_BOT_CACHE_DIR": "off"}).cache_dir is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Settings.load(environ={}).cache_dir == tmp_path / "interview-bot"
    assert Settings.load(environ={"INTERVIEW_BOT_RETRIEVAL": " Lexical"}).retrieval == "lexical"
    with pytest.raises(SettingsError, match="INTERVIEW_BOT_RETRIEVAL"):
        Settings.load(environ={"INTERVIEW_BOT_RETRIEVAL": "fast"})


def test_answering_needs_no_token() -> None:
    assert Settings.load("answer", environ={}).token == ""
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        Settings.load("run", environ={})


def test_the_readme_table_lists_every_setting_and_flag() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Configuration", 1)[1].split("\n\n###", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([A-Z][A-Z_]+)", row.split("|")[1])}
    flags = {flag for row in rows for flag in re.findall(r"`(--[a-z-]+)`", row.split("|")[2])}
    assert listed == {option.variable for option in OPTIONS}
    assert flags == {option.flag for option in OPTIONS if option.flag}
