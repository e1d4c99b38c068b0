"""BM25 over the article's passages: a question in, ranked passages and a verdict out."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rank_bm25 import BM25Plus

from index.article import Article, Passage
from index.tokenize import Tokenizer

# BM25Plus with delta=0 is Okapi BM25's term-frequency part with IDF log((N+1)/n), which stays
# positive for every term. BM25Okapi's IDF is 0 for a term in exactly half the passages and
# floored by epsilon above that, which on ~60 passages silences common but telling words.
K1 = 1.2
B = 0.75
# Share of the question's (IDF-weighted) words the best passage must contain to count as an answer.
MIN_COVERAGE = 0.35

_SENTENCE = re.compile(r"[^。!?!?\n]+[。!?!?]*[」』)）]*")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    excerpt: str


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]
    answered: bool


class SearchIndex:
    """Passages of one article, indexed for BM25 ranking."""

    def __init__(self, article: Article, tokenizer: Tokenizer | None = None) -> None:
        self.article = article
        self.tokenizer = tokenizer or Tokenizer()
        corpus = [self._document(p) for p in article.passages]
        self.bm25 = BM25Plus(corpus, k1=K1, b=B, delta=0)
        self._sentences = [
            [(s.strip(), frozenset(self.tokenizer.terms(s))) for s in _SENTENCE.findall(p.text)]
            for p in article.passages
        ]
        self._postings: dict[str, list[int]] = {}
        for doc_id, freqs in enumerate(self.bm25.doc_freqs):
            for term in freqs:
                self._postings.setdefault(term, []).append(doc_id)
        # Weight of a term the article never uses: rarer than any term it does use.
        self._unseen_idf = math.log(len(corpus) + 1) + 1.0

    def _document(self, passage: Passage) -> list[str]:
        return self.tokenizer.terms(passage.title) + self.tokenizer.terms(passage.text)

    def idf(self, key: str) -> float:
        return float(self.bm25.idf.get(key, self._unseen_idf))

    def search(self, question: str, k: int = 5) -> Answer:
        """Rank passages for `question`; `answered` is False when none covers it well enough."""
        words = list(dict.fromkeys(self.tokenizer.words(question)))
        query = [key for word in words for key in word]
        candidates = sorted({d for key in query for d in self._postings.get(key, ())})
        if not candidates:
            return Answer(question=question, hits=(), answered=False)
        scores = self.bm25.get_batch_scores(query, candidates)
        pairs = zip(candidates, scores, strict=True)
        ranked = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:k]
        if self.coverage(words, ranked[0][0]) < MIN_COVERAGE:
            return Answer(question=question, hits=(), answered=False)
        hits = tuple(
            Hit(passage=self.article.passages[d], score=float(s), excerpt=self._excerpt(d, words))
            for d, s in ranked
        )
        return Answer(question=question, hits=hits, answered=True)

    def _weight(self, word: tuple[str, ...]) -> float:
        return max(self.idf(key) for key in word)

    def coverage(self, words: list[tuple[str, ...]], doc_id: int) -> float:
        """IDF-weighted share of the question's words found in passage `doc_id`."""
        freqs = self.bm25.doc_freqs[doc_id]
        total = sum(self._weight(w) for w in words)
        found = sum(self._weight(w) for w in words if any(key in freqs for key in w))
        return found / total if total else 0.0

    def _excerpt(self, doc_id: int, words: list[tuple[str, ...]]) -> str:
        """The passage's sentence that holds the most question weight (the first on ties)."""
        best, best_score = self.article.passages[doc_id].text, -1.0
        for sentence, keys in self._sentences[doc_id]:
            score = sum(self._weight(w) for w in words if keys.intersection(w))
            if score > best_score:
                best, best_score = sentence, score
        return best
