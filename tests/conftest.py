from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article, load_article
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
