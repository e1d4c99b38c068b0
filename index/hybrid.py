"""Hybrid retrieval: BM25 over Sudachi words fused with a sentence encoder's cosine.

Lexical words find what a question names; the encoder finds the same thing said in other
words (家庭教師 for AIチューター). BM25 stays the first stage and what explains a hit; the
encoder reorders the passages and helps decide whether the article answers at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.search import Answer, Hit, Lexical, SearchIndex
from index.text import question_part

if TYPE_CHECKING:
    from index.embed import Encoder, Vectors


@dataclass(frozen=True)
class HybridParams:
    """How the two signals are fused, and when a question counts as answered."""

    # Paragraphs are joined into passages of at least this many characters: with the encoder,
    # passages of two or three paragraphs hold the answer more often than single ones.
    passage_chars: int = 150
    # The encoder's share of a passage's score (BM25 takes the rest); both are scaled to a
    # best passage of 1 first.
    encoder_weight: float = 0.6
    # A logistic model of "the article answers this", fitted by scripts/calibrate.py on the
    # question sets in tests/data: intercept, then one coefficient per Signals feature.
    decline_model: tuple[float, ...] = (-8.162, 1.82, 4.874, 7.608, -10.39, -2.897)
    # Answer only when the model finds it at least this likely: an unrelated quote misleads
    # more than a plain "not found" (0.6 declines too little, 0.8 answers too little).
    min_probability: float = 0.75
    # Where BM25 is sure, the encoder is not asked (it costs ~15 ms a question): the best
    # passage's section holds this share of the question's words, and its best passage scores
    # this many times the best passage of any other section. 0 asks it every time.
    sure_coverage: float = 0.5
    sure_margin: float = 2.0


@dataclass(frozen=True)
class Signals:
    """What both stages make of one question: the features of the decline model."""

    coverage: float  # lexical: share of the question's weight the best section holds
    cosine: float  # the encoder: the best passage's cosine
    sentence: float  # the encoder: the best sentence's cosine
    names: float  # share of the question's weight on names the article never mentions
    unseen: float  # share of the question's weight on words the article never uses

    def features(self) -> tuple[float, ...]:
        return (self.coverage, self.cosine, self.sentence, self.names, self.unseen)


@dataclass(frozen=True)
class Ranking:
    """One question, ranked: passages best first, with the signals behind the verdict."""

    lexical: Lexical
    order: list[int]  # passage indices, best first
    scores: list[float]  # fused score of each passage (by index)
    cosines: Vectors | None  # None when BM25 was sure and the encoder was not asked
    signals: Signals
    probability: float  # that the article answers the question


class HybridIndex:
    """A SearchIndex and the encoder's vectors of its passages and sentences."""

    def __init__(
        self,
        lexical: SearchIndex,
        encoder: Encoder,
        params: HybridParams | None = None,
        vectors: Vectors | None = None,
    ) -> None:
        self.lexical = lexical
        self.article = lexical.article
        self.tokenizer = lexical.tokenizer
        self.encoder = encoder
        self.params = params or HybridParams()
        if vectors is None:
            texts = encoded_texts(lexical)
            vectors = encoder.passages(texts) if texts else np.zeros((0, 1), np.float32)
        self.vectors = vectors  # passages, then sentences
        self._passages = vectors[: len(self.article.passages)]
        self._all_sentences = vectors[len(self.article.passages) :]
        self._sentences: list[Vectors] = []
        start = len(self.article.passages)
        for sents in lexical.sentences:
            self._sentences.append(vectors[start : start + len(sents)])
            start += len(sents)

    def rank(self, question: str) -> Ranking | None:
        """Both signals for every passage; None when the question has no content words."""
        lexical = self.lexical.lexical(question)
        if not any(not w.answer_type for w in lexical.words) or not self.article.passages:
            return None
        sure = self._sure(lexical)
        if sure is not None:
            return sure
        vector = self.encoder.question(question)
        cosines = self._passages @ vector
        bm25 = np.zeros(len(cosines), np.float32)
        for d, score in lexical.scores.items():
            bm25[d] = score
        w = self.params.encoder_weight
        fused = (1 - w) * _scaled(bm25) + w * _scaled(_standard(cosines))
        order = sorted(range(len(fused)), key=lambda d: -fused[d])
        signals = Signals(
            coverage=self.lexical.coverage(lexical, self.lexical.section_of[order[0]]),
            cosine=float(cosines.max()),
            sentence=float((self._all_sentences @ vector).max(initial=-1.0)),
            names=self.lexical.unseen_share(lexical, names=True),
            unseen=self.lexical.unseen_share(lexical),
        )
        model = self.params.decline_model
        logit = model[0] + sum(c * x for c, x in zip(model[1:], signals.features(), strict=True))
        probability = 1 / (1 + math.exp(-max(min(logit, 50.0), -50.0)))
        return Ranking(lexical, order, fused.tolist(), cosines, signals, probability)

    def _sure(self, lexical: Lexical) -> Ranking | None:
        """BM25's ranking, when it is sure enough to need no second opinion."""
        p = self.params
        if not lexical.scores or not p.sure_coverage:
            return None
        order = sorted(lexical.scores, key=lambda d: -lexical.scores[d])
        section_of = self.lexical.section_of
        best = lexical.scores[order[0]]
        other = next(
            (lexical.scores[d] for d in order if section_of[d] != section_of[order[0]]), 0.0
        )
        coverage = self.lexical.coverage(lexical, section_of[order[0]])
        if coverage < p.sure_coverage or best < p.sure_margin * other:
            return None
        rest = [d for d in range(len(self.article.passages)) if d not in lexical.scores]
        scores = [lexical.scores.get(d, 0.0) / best for d in range(len(self.article.passages))]
        signals = Signals(coverage, 1.0, 1.0, 0.0, 0.0)  # (the encoder's were not measured)
        return Ranking(lexical, order + rest, scores, None, signals, 1.0)

    def search(self, question: str, k: int = 5) -> Answer:
        """Rank passages for `question`; `answered` is False when the article likely does not
        answer it."""
        read = question_part(question)
        ranking = self.rank(read)
        if ranking is None or ranking.probability < self.params.min_probability:
            return Answer(question=question, hits=(), answered=False)
        hits = tuple(
            Hit(
                passage=self.article.passages[d],
                score=ranking.scores[d],
                excerpt=self.excerpt(d, read, ranking.lexical)
                if ranking.cosines is not None
                else self.lexical.excerpt(d, ranking.lexical),
            )
            for d in ranking.order[: max(k, 1)]
        )
        return Answer(question=question, hits=hits, answered=True)

    def excerpt(self, doc_id: int, question: str, lexical: Lexical) -> str:
        """The passage's sentence that best answers: question weight plus closeness in meaning."""
        cosines = self._sentences[doc_id] @ self.encoder.question(question)
        if not len(cosines):  # a passage of punctuation alone has no sentence
            return self.lexical.excerpt(doc_id, lexical)
        return self.lexical.excerpt(doc_id, lexical, _scaled(cosines - cosines.min()).tolist())


def encoded_texts(lexical: SearchIndex) -> list[str]:
    """The texts HybridIndex encodes, in its order: the passages, then their sentences."""
    passages = [p.text for p in lexical.article.passages]
    return passages + [text for sents in lexical.sentences for text, _ in sents]


def _standard(values: Vectors) -> Vectors:
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 0 else values * 0.0


def _scaled(values: Vectors) -> Vectors:
    """Scaled so that the best is 1 (unchanged when none is positive)."""
    best = float(values.max()) if len(values) else 0.0
    return values / best if best > 0 else values
