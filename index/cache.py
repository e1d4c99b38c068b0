"""The built index, cached on disk: tokenizing the article costs more than answering.

The cache key is a hash of the article's bytes, of the retrieval code, and of the versions
of the packages that shape the index (Sudachi and its dictionary, rank-bm25), so any change
to one of them builds the index anew. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import tempfile
from pathlib import Path

import sudachidict_core
import sudachipy

from index.article import bundled_article_path, decode_article, load_article
from index.search import Params, SearchIndex
from index.tokenize import Tokenizer

CACHE_ENV = "INTERVIEW_BOT_CACHE_DIR"  # a directory, or "off"


def default_cache_dir() -> Path | None:
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "interview-bot"


def cache_key(article_bytes: bytes, tokenizer: Tokenizer, params: Params) -> str:
    digest = hashlib.sha256(article_bytes)
    for path in sorted(Path(__file__).parent.glob("*.py")):  # the retrieval code
        digest.update(path.read_bytes())
    # The packages that shape the index, read without importing metadata (slow) or
    # rank-bm25 (which imports numpy): Sudachi's version, its dictionary file, rank-bm25's code.
    digest.update(sudachipy.__version__.encode())
    dictionary = Path(sudachidict_core.__file__).parent / "resources" / "system.dic"
    stat = dictionary.stat()
    digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    spec = importlib.util.find_spec("rank_bm25")
    if spec and spec.origin:
        digest.update(Path(spec.origin).read_bytes())
    digest.update(repr((tokenizer, params)).encode())
    return digest.hexdigest()[:32]


def load_index(
    path: str | Path | None = None,
    cache_dir: Path | None = None,
    tokenizer: Tokenizer | None = None,
    params: Params | None = None,
) -> SearchIndex:
    """The index of the article at `path` (the bundled one by default), from the cache when
    it holds it, else built and cached. Raises ArticleError as load_article does."""
    tokenizer = tokenizer or Tokenizer()
    params = params or Params()
    cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
    source = Path(path) if path is not None else bundled_article_path()
    try:
        raw = source.read_bytes()
    except OSError:
        return SearchIndex(load_article(source), tokenizer, params)  # which reports it
    if cache_dir is None:
        return SearchIndex(decode_article(raw, source), tokenizer, params)
    file = cache_dir / f"{cache_key(raw, tokenizer, params)}.pickle"
    with contextlib.suppress(Exception):  # a missing, stale or damaged cache: build anew
        with file.open("rb") as handle:
            index = pickle.load(handle)
        if isinstance(index, SearchIndex):
            return index
    index = SearchIndex(decode_article(raw, source), tokenizer, params)
    _save(index, file)
    return index


def _save(index: SearchIndex, file: Path) -> None:
    """Write aside and rename, so that a concurrent reader never sees half a file."""
    data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=file.parent, suffix=".tmp", delete=False) as tmp:
            try:
                tmp.write(data)
            except OSError:
                os.unlink(tmp.name)
                raise
        os.replace(tmp.name, file)
    except OSError:
        pass  # no cache this time: the next start builds the index again
