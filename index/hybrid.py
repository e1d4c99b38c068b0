"""Hybrid retrieval: BM25 over Sudachi words fused with a sentence encoder's cosine.

Lexical words find what a question names; the encoder finds the same thing said in other
words (家庭教師 for AIチューター). BM25 stays the first stage and what explains a hit; the
encoder reorders the passages and helps decide whether the article answers at all.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from index.kinds import CHAT, REQUEST
from index.memory import Memory, Recall, fold
from index.search import Answer, Hit, Match, SearchIndex, said_before
from index.text import language, question_part, shorten
from index.translations import NO_TRANSLATIONS, TranslatedPassages, Translations

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from index.article import Passage
    from index.embed import Encoder, Vectors


# What ranks a passage: BM25 over its words, over its reading's trigrams, its cosine, its
# best sentence's cosine, and its cosine less its closeness to the whole article (CSLS's hub
# correction: the lead-in, which sums up everything, is otherwise close to every question).
# Each is scaled so that the best passage has 1 (the cosines standardized first). A question
# in English or Chinese has one more: BM25 over the passages' translations into its language
# (index.translations.TranslatedPassages; 0 where the article has none).
PASSAGE_FEATURES = ("bm25", "readings", "cosine", "sentence", "hub")
FOREIGN_PASSAGE_FEATURES = (*PASSAGE_FEATURES, "translated")
# The decline model's features, fields of Signals in the order of its coefficients: for a
# Japanese question, and for another (the encoder, and the words it shares with the passages'
# translations into its language; the encoder alone where the article has none).
DECLINE_FEATURES = ("coverage", "cosine", "sentence", "peak", "names", "unseen", "asked")
FOREIGN_DECLINE_FEATURES = ("cosine", "spread", "translated")
UNTRANSLATED_DECLINE_FEATURES = ("cosine", "spread")


@dataclass(frozen=True)
class HybridParams:
    """How the signals are weighed, and when a question counts as answered."""

    # Paragraphs are joined into passages of at least this many characters: with the encoder,
    # passages of two or three paragraphs hold the answer more often than single ones.
    passage_chars: int = 150
    # The ranking model, fitted by scripts/calibrate.py on the question sets: the weights of
    # PASSAGE_FEATURES for a Japanese question, then of FOREIGN_PASSAGE_FEATURES for one in
    # another language.
    rank_model: tuple[float, ...] = (
        3.269, 1.899, 1.655, 1.643, 2.588,  # a Japanese question
        0.7403, 0.8879, 1.159, 2.052, 1.92, 3.852,  # an English or Chinese one
    )  # fmt: skip
    # Logistic models of "the article answers this", one per question language (Chinese in
    # each script its own: leave one writer out, one model for both cost traditional Chinese
    # answers, docs/quality.md), fitted by scripts/calibrate.py on the question sets in
    # tests/data: intercept, then one coefficient per feature of Signals.features;
    # untranslated_models are those of a foreign question where the article has no
    # translation into its language (UNTRANSLATED_DECLINE_FEATURES; one for Chinese).
    decline_models: tuple[tuple[str, tuple[float, ...]], ...] = (
        ("en", (-33.95, 40.11, 11.41, 4.266)),
        ("ja", (-35.78, 1.166, 22.63, 19.35, 9.479, -3.884, -0.7878, -1.659)),
        ("zh-hans", (-48.85, 57.01, -1.877, 6.768)),
        ("zh-hant", (-37.65, 42.8, 28.27, 6.911)),
    )
    untranslated_models: tuple[tuple[str, tuple[float, ...]], ...] = (
        ("en", (-34.12, 41.52, 24.95)),
        ("zh", (-50.43, 59.79, 17.64)),
    )
    # The hub feature: a passage's cosine less this share of its mean cosine to the article's
    # sentences.
    hub_share: float = 0.5
    # Spell a Japanese question in the article's words first (Tokenizer.respell).
    respell: bool = True
    # Answer when the model finds it at least this likely, and say that the answer is not
    # sure below sure_probability. The question sets' near-topic traps (Musk's age, the price
    # of a launch) score like answerable questions, so no threshold serves both: above 0.5
    # every casual set loses more answers than it declines traps (docs/quality.md).
    min_probability: float = 0.5
    sure_probability: float = 0.75
    # With a memory of labelled messages (index.memory): the nearest labelled questions'
    # section vote is added to each passage's score, scaled to the best and times these (a
    # Japanese question, then another); and a logistic model per language group ("ja", and
    # "foreign" for the rest) over the decline model's logit and the neighbours' answerable
    # share decides, answering and sure from the group's memory_probabilities (fitted by
    # scripts/calibrate.py --memory; the probabilities chosen by leave one writer out, where
    # from 0.6 each language group's traps are declined more than its answers are lost).
    vote_weights: tuple[float, float] = (5.0, 5.0)
    memory_models: tuple[tuple[str, tuple[float, ...]], ...] = (
        ("foreign", (-3.347, 0.8035, 5.611)),
        ("ja", (-4.282, 0.677, 6.567)),
    )
    memory_probabilities: tuple[tuple[str, float, float], ...] = (
        ("foreign", 0.6, 0.93),
        ("ja", 0.6, 0.93),
    )
    # A message whose neighbours are at least this share chat (or requests), and that the
    # article does not answer, is taken for chat (or a request).
    kind_share: float = 0.6

    def decline_model(self, language: str, translated: bool = True) -> tuple[float, ...]:
        """The decline model for questions in `language` where the article is `translated`
        into it or not (its own, else its language's without the script, else that of
        Japanese or English, whose features it has)."""
        models = dict(self.decline_models)
        if not translated:
            models = {"ja": models["ja"], **dict(self.untranslated_models)}
        for key in (language, language.split("-")[0], "ja" if language == "ja" else "en"):
            if key in models:
                return models[key]
        raise KeyError(language)

    def memory_model(self, language: str) -> tuple[float, ...]:
        return dict(self.memory_models)[_group(language)]

    def memory_thresholds(self, language: str) -> tuple[float, float]:
        found = {group: (answer, sure) for group, answer, sure in self.memory_probabilities}
        return found[_group(language)]

    def rank_weights(self, foreign: bool) -> Vectors:
        """The weight of each of PASSAGE_FEATURES for a question in Japanese, or of
        FOREIGN_PASSAGE_FEATURES for one in another language."""
        size = len(PASSAGE_FEATURES)
        weights: Vectors = np.asarray(self.rank_model[size:] if foreign else self.rank_model[:size])
        return weights.astype(np.float32)


@dataclass(frozen=True)
class Signals:
    """What both stages make of one question: the features of the decline model."""

    coverage: float  # lexical: share of the question's weight the best section holds
    cosine: float  # the encoder: the best passage's cosine
    spread: float  # the encoder: how far the best passage's cosine stands above the mean's
    sentence: float  # the encoder: the best sentence's cosine
    peak: float  # the encoder: how far the best sentence's cosine stands above the mean's
    names: float  # share of the question's weight on names the article never mentions
    unseen: float  # share of the question's weight on words the article never uses
    # 1 if the question asks for a number (an age, a price, a year, an amount: 何歳, いくら, how
    # much, 多少): the kind of fact near-topic questions ask and the article seldom gives
    asked: float
    language: str  # the question's (index.text.language): each has a decline model
    # A foreign question: the largest share of its weight one passage's translation into its
    # language holds (TranslatedPassages.match); None where there is none (and in Japanese).
    translated: float | None = None

    def features(self) -> tuple[float, ...]:
        names: tuple[str, ...] = DECLINE_FEATURES
        if self.language != "ja":
            bare = self.translated is None
            names = UNTRANSLATED_DECLINE_FEATURES if bare else FOREIGN_DECLINE_FEATURES
        return tuple(getattr(self, name) for name in names)


@dataclass(frozen=True)
class Features:
    """One question's passages as the ranking model sees them."""

    read: str  # what of the question was read (HybridIndex.read)
    match: Match  # the lexical pass over it
    matrix: Vectors  # a row per passage, a column per PASSAGE_FEATURES (or FOREIGN_…)
    cosines: Vectors  # of each passage
    sentences: Vectors  # the cosine of each sentence (of all passages, in order)
    language: str
    vector: Vectors  # the question's
    translated: float | None = None  # Signals.translated

    @property
    def foreign(self) -> bool:
        return self.language != "ja"


@dataclass(frozen=True)
class Ranking:
    """One question, ranked: passages best first, with the signals behind the verdict."""

    read: str  # what of the question was read (HybridIndex.read)
    match: Match  # the lexical pass over it
    order: list[int]  # passage indices, best first
    scores: list[float]  # score of each passage (by index)
    cosines: Vectors
    signals: Signals
    probability: float  # that the article answers the question
    recall: Recall | None = None  # what the memory's nearest labelled messages say


class HybridIndex:
    """A SearchIndex (the lexical pass) and the encoder's vectors of its passages and
    sentences."""

    def __init__(
        self,
        base: SearchIndex,
        encoder: Encoder,
        params: HybridParams | None = None,
        vectors: Vectors | None = None,
        memory: Memory | None = None,
        translations: Translations = NO_TRANSLATIONS,
    ) -> None:
        self.base = base
        self.memory = memory
        self.article = base.article
        self.tokenizer = base.tokenizer
        self.encoder = encoder
        self.params = params or HybridParams()
        passages = [p.text for p in self.article.passages]
        k1, b = base.params.k1, base.params.b
        self.translated = TranslatedPassages(passages, translations, k1, b)
        if vectors is None:
            texts = encoded_texts(base)
            vectors = encoder.passages(texts) if texts else np.zeros((0, 1), np.float32)
        self.vectors = vectors  # passages, then sentences
        self._passages = vectors[: len(self.article.passages)]
        self._all_sentences = vectors[len(self.article.passages) :]
        counts = [len(sents) for sents in base.sentence_texts()]
        bounds = itertools.pairwise([0, *itertools.accumulate(counts)])
        self._sentences = [self._all_sentences[start:end] for start, end in bounds]  # by passage
        # Each sentence's passage, and each passage's closeness to the article as a whole.
        self._sentence_passage = np.repeat(np.arange(len(counts)), counts).astype(np.intp)
        self._passage_section = [p.section for p in self.article.passages]
        # Each passage's sentences, and each folded as evidence phrases are (for the lead).
        self._lead_sentences = [[(t, fold(t)) for t in sents] for sents in base.sentence_texts()]
        # (Folded text holds no line break, so no phrase spans two sentences of this.)
        self._lead_passages = ["\n".join(f for _, f in sents) for sents in self._lead_sentences]
        self._hub = (
            (self._passages @ self._all_sentences.T).mean(axis=1)
            if len(self._all_sentences)
            else np.zeros(len(self._passages), np.float32)
        )

    def read(self, question: str) -> str:
        """What of a question retrieval reads: its start, spelt as the article spells (for a
        question in Japanese)."""
        question = question_part(question)
        native = self.params.respell and language(question) == "ja"
        return self.base.respell(question) if native else question

    def features(self, question: str) -> Features | None:
        """Every passage's features; None when the question has no content words."""
        read = self.read(question)
        match = self.base.match(read)
        if not match.has_content or not self.article.passages:
            return None
        vector = self.encoder.question(read)
        cosines = self._passages @ vector
        sentences = self._all_sentences @ vector
        best = np.full(len(cosines), -1.0, np.float32)
        np.maximum.at(best, self._sentence_passage, sentences)
        columns = [
            _scaled(_dense(match.scores, len(cosines))),
            _scaled(_dense(self.base.sounds(read), len(cosines))),
            _scaled(_standard(cosines)),
            _scaled(_standard(best)),
            _scaled(_standard(cosines - self.params.hub_share * self._hub)),
        ]
        spoken = language(read)
        translated = None
        if spoken != "ja":
            found = self.translated.match(read, spoken)
            scores, translated = found if found is not None else ({}, None)
            columns.append(_scaled(_dense(scores, len(cosines))))
        matrix = np.stack(columns, axis=1)
        return Features(read, match, matrix, cosines, sentences, spoken, vector, translated)

    def rank(self, question: str) -> Ranking | None:
        """Every passage ranked, and how likely the article answers; None when the question
        has no content words."""
        f = self.features(question)
        if f is None:
            return None
        scores = f.matrix @ self.params.rank_weights(f.foreign)
        recall = self.memory.recall(f.vector, question) if self.memory is not None else None
        if recall is not None and recall.sections:
            best = max(recall.sections.values())
            votes = np.array([recall.sections.get(s, 0.0) for s in self._passage_section])
            scores = scores + self.params.vote_weights[f.foreign] * votes / best
        order = sorted(range(len(scores)), key=lambda d: -scores[d])
        sentences = f.sentences if len(f.sentences) else np.zeros(1, np.float32)
        signals = Signals(
            coverage=f.match.coverage(self.article.passages[order[0]].section),
            cosine=float(f.cosines.max()),
            spread=float(f.cosines.max() - f.cosines.mean()),
            sentence=float(sentences.max()),
            peak=float(sentences.max() - sentences.mean()),
            names=f.match.unseen(names=True),
            unseen=f.match.unseen(),
            asked=float("number" in self.tokenizer.asked_types(f.read)),
            language=f.language,
            translated=f.translated,
        )
        model = self.params.decline_model(f.language, f.translated is not None)
        logit = model[0] + sum(c * x for c, x in zip(model[1:], signals.features(), strict=True))
        if recall is not None:
            remembered = (logit, recall.answerable)
            model = self.params.memory_model(f.language)
            logit = model[0] + sum(c * x for c, x in zip(model[1:], remembered, strict=True))
        probability = _sigmoid(logit)
        return Ranking(
            f.read, f.match, order, scores.tolist(), f.cosines, signals, probability, recall
        )

    def leave_out(self, sources: Collection[str], questions: Collection[str]) -> HybridIndex:
        if self.memory is None:
            return self
        narrowed = copy.copy(self)
        narrowed.memory = self.memory.without(sources, questions)
        return narrowed

    def prepare(self, questions: Sequence[str]) -> None:
        """Encode the questions together, for their searches to come."""
        self.encoder.questions([self.read(q) for q in questions])

    def thresholds(self, language: str = "ja") -> tuple[float, float]:
        """From how likely a question in `language` is answered, and from how likely sure."""
        if self.memory is not None:
            return self.params.memory_thresholds(language)
        return self.params.min_probability, self.params.sure_probability

    def search(self, question: str, k: int = 5) -> Answer:
        """Rank passages for `question`; `answered` is False when the article likely does not
        answer it, or when the message asks for something else (a section, chat, a request:
        by index.kinds' rules, or as the nearest labelled messages are)."""
        spoken = language(question)
        if (other := self.base.other_kind(question, spoken)) is not None:
            return other
        ranking = self.rank(question)
        if ranking is None:
            return Answer(question=question, hits=(), answered=False, language=spoken)
        answer_from, sure_from = self.thresholds(ranking.signals.language)
        if ranking.probability < answer_from:
            asks = _remembered_kind(ranking.recall, self.params.kind_share)
            return Answer(
                question, (), False, language=spoken, probability=ranking.probability, asks=asks
            )
        # The passage holding the lead comes first, then the first SHOWN are of distinct
        # sections; a passage moved down scores as the one above it.
        # (From the best section's passages first: the ranking chooses the section.)
        best = self._passage_section[ranking.order[0]]
        top = ranking.order[:SHOWN]
        first = [d for d in top if self._passage_section[d] == best]
        found = self.evidence_lead(first, ranking.recall) or self.evidence_lead(
            [d for d in top if d not in first], ranking.recall
        )
        order = ranking.order
        if found is not None:
            order = [found[1], *(d for d in order if d != found[1])]
        order = _distinct_first(order, self._passage_section, SHOWN)
        scores = itertools.accumulate((ranking.scores[d] for d in order), min)
        hits = tuple(
            Hit(
                passage=self.article.passages[d],
                score=score,
                excerpt=self.excerpt(d, ranking.read, ranking.match),
            )
            for d, score in zip(order[: max(k, 1)], scores, strict=False)
        )
        lead = found[0] if found else self._with_next(hits[0].excerpt, order[0])
        confidence = "high" if ranking.probability >= sure_from else "low"
        return Answer(question, hits, True, confidence, spoken, ranking.probability, lead=lead)

    def evidence_lead(
        self, candidates: Sequence[int], recall: Recall | None, said: Collection[str] = ()
    ) -> tuple[str, int] | None:
        """The sentence of the `candidates` passages that holds the evidence phrases of the
        nearest labelled questions (the most by their weight), with the next one when it is
        short and they fit in LEAD_CHARS together; and its passage. None where none does.
        A sentence one of the leads `said` before said is passed over."""
        scored: list[tuple[float, int, str, int]] = []  # weight, -rank, sentence, passage
        if recall is not None and recall.evidence:
            for rank, d in enumerate(candidates):
                passage = self._lead_passages[d]
                phrases = [(p, w) for p, w in recall.evidence.items() if p in passage]
                if not phrases:
                    continue
                for sentence, folded in self._lead_sentences[d]:
                    weight = sum(w for p, w in phrases if p in folded)
                    if weight > 0 and not (said and said_before(sentence, said)):
                        scored.append((weight, -rank, sentence, d))
        if not scored:
            return None
        _, _, sentence, d = max(scored, key=lambda s: (s[0], s[1]))
        return self._with_next(sentence, d, said), d

    def lead_in(self, question: str, passages: Sequence[Passage], said: Collection[str]) -> str:
        """As search leads, from `passages` alone and passing over what `said` said (for a
        follow-up: its passages are the conversation's choice, not the ranking's)."""
        read = self.read(question)
        match = self.base.match(read)
        vector = self.encoder.question(read)
        recall = self.memory.recall(vector, question) if self.memory is not None else None
        docs = [self.base.doc(passage) for passage in passages]
        found = self.evidence_lead(docs, recall, said)
        if found is not None:
            return found[0]
        for d in docs:
            excerpt = self.excerpt(d, read, match, said)
            if not said_before(excerpt, said):
                return self._with_next(excerpt, d, said)
        return ""

    def _with_next(self, sentence: str, doc_id: int, said: Collection[str] = ()) -> str:
        """`sentence` of passage `doc_id`, with the one after it when it is short ("なぜか?"),
        within LEAD_CHARS (and not one of the leads `said` before)."""
        sentences = [text for text, _ in self._lead_sentences[doc_id]]
        if sentence in sentences and len(sentence) < _SHORT_LEAD:
            at = sentences.index(sentence)
            if at + 1 < len(sentences) and not said_before(sentences[at + 1], said):
                joined = sentence + sentences[at + 1]
                if len(joined) <= LEAD_CHARS and joined in self.article.passages[doc_id].text:
                    return joined
        return shorten(sentence, LEAD_CHARS)

    def excerpt(self, doc_id: int, question: str, match: Match, said: Collection[str] = ()) -> str:
        """The passage's sentence that best answers: question weight plus closeness in meaning
        (with `said`: one that no lead of it said, where the passage has one)."""
        cosines = self._sentences[doc_id] @ self.encoder.question(question)
        if not len(cosines):  # a passage of punctuation alone has no sentence
            return self.base.excerpt(doc_id, match, said=said)
        return self.base.excerpt(doc_id, match, _scaled(cosines - cosines.min()).tolist(), said)


SHOWN = 3  # the first hits, from distinct sections where more than one section scores
LEAD_CHARS = 120
_SHORT_LEAD = 30  # a lead this short ("なぜか?") brings the sentence after it


def _distinct_first(order: list[int], section: Sequence[int], count: int) -> list[int]:
    """`order` with its first `count` from distinct sections where it has them."""
    first: list[int] = []
    for d in order:
        if len(first) < count and all(section[d] != section[f] for f in first):
            first.append(d)
    chosen = set(first)
    return first + [d for d in order if d not in chosen]


def _remembered_kind(recall: Recall | None, share: float) -> str:
    """What a message the article does not answer asks, as its nearest labelled messages
    were labelled (chat or a request; else a question, declined)."""
    if recall is not None:
        for kind in (CHAT, REQUEST):
            if recall.kinds.get(kind, 0.0) >= share:
                return kind
    return "answer"


def _group(language: str) -> str:
    """A language's group for the memory's models: Japanese, or "foreign"."""
    return "ja" if language == "ja" else "foreign"


def _sigmoid(logit: float) -> float:
    return 1 / (1 + math.exp(-max(min(logit, 50.0), -50.0)))


def encoded_texts(base: SearchIndex) -> list[str]:
    """The texts HybridIndex encodes, in its order: the passages, then their sentences."""
    passages = [p.text for p in base.article.passages]
    return passages + [text for sents in base.sentence_texts() for text in sents]


def _dense(scores: dict[int, float], size: int) -> Vectors:
    values = np.zeros(size, np.float32)
    values[list(scores)] = list(scores.values())
    return values


def _standard(values: Vectors) -> Vectors:
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 0 else values * 0.0


def _scaled(values: Vectors) -> Vectors:
    """Scaled so that the best is 1 (unchanged when none is positive)."""
    best = float(values.max()) if len(values) else 0.0
    return values / best if best > 0 else values
