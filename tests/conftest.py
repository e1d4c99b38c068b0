from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from index.article import Article, load_article
from index.cache import load_retriever
from index.hybrid import HybridIndex
from index.search import SearchIndex
from index.tokenize import Tokenizer

DATA = Path(__file__).parent / "data"

# Property tests are deterministic by default (the README's command, CI): the same examples on
# every run and no example database, so an unrelated change never turns the suite red.
# `pytest --hypothesis-profile=explore` searches at random and remembers what failed.
settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("deterministic")


@pytest.fixture(scope="session")
def article() -> Article:
    return load_article()


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="session")
def index(article: Article, tokenizer: Tokenizer) -> SearchIndex:
    return SearchIndex(article, tokenizer)


@pytest.fixture(scope="session")
def hybrid(_index_cache: Path) -> HybridIndex:
    """The default retrieval: BM25 and the sentence encoder (built once, then cached)."""
    retriever = load_retriever(mode="hybrid", cache_dir=_index_cache)
    assert isinstance(retriever, HybridIndex), "the sentence encoder is not installed"
    return retriever


@pytest.fixture(autouse=True, scope="session")
def _index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests (and the CLI processes they start) cache the index in a fresh directory."""
    cache = tmp_path_factory.mktemp("index-cache")
    os.environ["INTERVIEW_BOT_CACHE_DIR"] = str(cache)
    os.environ.pop("INTERVIEW_BOT_RETRIEVAL", None)
    return cache
