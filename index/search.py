"""BM25 over the article's passages: a question in, ranked passages and a verdict out."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Plus

from index.article import Article, Passage
from index.tokenize import Tokenizer, Word, char_bigrams

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


@dataclass(frozen=True)
class Params:
    """How passages are scored and when a question counts as answered."""

    # BM25Plus with delta=0 is Okapi BM25's term-frequency part with IDF log((N+1)/n), which
    # stays positive for every term. BM25Okapi's IDF is 0 for a term in exactly half the
    # passages and floored by epsilon above that, which on ~80 passages mutes telling words.
    k1: float = 1.2
    b: float = 0.75
    # A passage also scores with its whole section, times this: questions are about topics
    # that a section develops over several passages.
    section_weight: float = 0.5
    # Share of the question's words (IDF-weighted) that the best passage's section must hold
    # for the question to count as answered.
    min_coverage: float = 0.25
    # Verbs, adjectives and adverbs say less about the topic than nouns do.
    other_weight: float = 0.5
    # A passage also scores with its section's title (a field of its own), times this.
    title_weight: float = 0.5
    # A passage also scores with its best sentence's share of the question, times this.
    sentence_weight: float = 0.0
    # Character bigram BM25 fused in, times this (scores are scaled to the best candidate's).
    bigram_weight: float = 0.0


class SearchIndex:
    """Passages of one article, indexed for BM25 ranking."""

    def __init__(
        self, article: Article, tokenizer: Tokenizer | None = None, params: Params | None = None
    ) -> None:
        self.article = article
        self.tokenizer = tokenizer or Tokenizer()
        self.params = params or Params()
        p = self.params
        corpus = [self.tokenizer.terms(x.text) for x in article.passages]
        self.bm25 = BM25Plus(corpus, k1=p.k1, b=p.b, delta=0)
        numbers = [s.number for s in article.sections]
        self._section_of = [numbers.index(x.section) for x in article.passages]
        titles = [self.tokenizer.terms(s.title) for s in article.sections]
        self.title_bm25 = BM25Plus(titles, k1=p.k1, b=0.0, delta=0)
        sections = [
            t + self.tokenizer.terms(s.text) for t, s in zip(titles, article.sections, strict=True)
        ]
        self.section_bm25 = BM25Plus(sections, k1=p.k1, b=p.b, delta=0)
        self.bigram_bm25 = BM25Plus(
            [char_bigrams(x.text) for x in article.passages], k1=p.k1, b=p.b, delta=0
        )
        self._sentences = [
            [(s.strip(), frozenset(self.tokenizer.terms(s))) for s in _SENTENCE.findall(x.text)]
            for x in article.passages
        ]
        self._postings: dict[str, list[int]] = {}
        for doc_id, freqs in enumerate(self.bm25.doc_freqs):
            for term in freqs:
                self._postings.setdefault(term, []).append(doc_id)
        # Weight of a word the article never uses: rarer than any word it does use.
        self._unseen_idf = math.log(len(corpus) + 1) + 1.0

    def search(self, question: str, k: int = 5) -> Answer:
        """Rank passages for `question`; `answered` is False when none covers it well enough."""
        words = list(dict.fromkeys(self.tokenizer.words(question)))
        query = list(dict.fromkeys(key for word in words for key in word.keys))
        candidates = sorted({d for key in query for d in self._postings.get(key, ())})
        if not candidates:
            return Answer(question=question, hits=(), answered=False)
        p = self.params
        all_sections = list(range(len(self.article.sections)))
        by_section = p.section_weight * _score(self.section_bm25, words, all_sections)
        by_section += p.title_weight * _score(self.title_bm25, words, all_sections)
        scores = [
            s
            + by_section[self._section_of[d]]
            + p.sentence_weight * self._best_sentence(d, words)[1]
            for d, s in zip(candidates, _score(self.bm25, words, candidates), strict=True)
        ]
        if p.bigram_weight:
            grams = self.bigram_bm25.get_batch_scores(char_bigrams(question), candidates)
            top_w, top_g = max(scores) or 1.0, max(grams) or 1.0
            scores = [
                s / top_w + p.bigram_weight * g / top_g for s, g in zip(scores, grams, strict=True)
            ]
        pairs = zip(candidates, scores, strict=True)
        ranked = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:k]
        if self.coverage(words, self._section_of[ranked[0][0]]) < self.params.min_coverage:
            return Answer(question=question, hits=(), answered=False)
        hits = tuple(
            Hit(passage=self.article.passages[d], score=float(s), excerpt=self._excerpt(d, words))
            for d, s in ranked
        )
        return Answer(question=question, hits=hits, answered=True)

    def weight(self, word: Word) -> float:
        """How much a word of the question says: its rarest known key's IDF, by part of speech."""
        known = [self.bm25.idf[key] for key in word.keys if key in self.bm25.idf]
        idf = max(known) if known else self._unseen_idf
        return idf * (1.0 if word.noun else self.params.other_weight)

    def coverage(self, words: list[Word], section: int) -> float:
        """Weighted share of the question's content words found in the `section`-th section.

        A section rather than the passage: the best passage often answers with a few of the
        question's words while its section holds the rest (the question's topic).
        """
        freqs = self.section_bm25.doc_freqs[section]
        content = [w for w in words if not w.answer_type]
        total = sum(self.weight(w) for w in content)
        found = sum(self.weight(w) for w in content if any(key in freqs for key in w.keys))
        return found / total if total else 0.0

    def _excerpt(self, doc_id: int, words: list[Word]) -> str:
        return self._best_sentence(doc_id, words)[0]

    def _best_sentence(self, doc_id: int, words: list[Word]) -> tuple[str, float]:
        """The passage's sentence that holds the most question weight (the first on ties)."""
        best, best_score = self.article.passages[doc_id].text, -1.0
        for sentence, keys in self._sentences[doc_id]:
            score = sum(self.weight(w) for w in words if keys.intersection(w.keys))
            if score > best_score:
                best, best_score = sentence, score
        return best, best_score


def _score(bm25: BM25Plus, words: list[Word], doc_ids: list[int]) -> np.ndarray:
    """BM25 of the question's words: each word scores with its best-matching key.

    Summing every key instead would count a word once per synonym group it belongs to
    (AI is in five), so words with many synonyms would outweigh the rest of the question.
    """
    total = np.zeros(len(doc_ids))
    for word in words:
        per_key = [np.asarray(bm25.get_batch_scores([key], doc_ids)) for key in word.keys]
        total += np.max(per_key, axis=0)
    return total
