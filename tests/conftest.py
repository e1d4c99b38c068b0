from __future__ import annotations

import os
from pathlib import Path

import pytest

from index.article import Article, load_article
from index.cache import CACHE_ENV
from index.search import SearchIndex
from index.tokenize import Tokenizer

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def article() -> Article:
    return load_article()


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="session")
def index(article: Article, tokenizer: Tokenizer) -> SearchIndex:
    return SearchIndex(article, tokenizer)


@pytest.fixture(autouse=True, scope="session")
def _index_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests (and the CLI processes they start) cache the index in a fresh directory."""
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("index-cache"))
