"""BM25 over the article's passages: a question in, ranked passages and a verdict out."""

from __future__ import annotations

import heapq
import itertools
import math
import operator
import re
import sys
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from index.article import Article, Passage
from index.kinds import ANSWER, kind_of
from index.progress import steps
from index.text import ELLIPSIS, SENTENCE, language, question_part
from index.tokenize import Tokenizer, Word

# Words whose scores each field keeps merged, at most (then it starts again).
_MERGED_SIZE = 10_000
UNSURE_SHOWN = 2


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    excerpt: str  # the passage's sentence that best matches the question


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...]  # best first; empty when not answered
    answered: bool
    # "high", or "low" for an answer the retriever is not sure of (shown as such).
    confidence: str = "high"
    language: str = "ja"  # the question's (index.text.language), for the words around it
    probability: float | None = None  # that the article answers it (hybrid's decline model)
    asks: str = ANSWER  # what the message wants (index.kinds): ANSWER, CHAT, REQUEST, SECTION
    section: int | None = None  # the section a SECTION message asks for
    lead: str = ""  # the sentence or two of the article that answer in short (verbatim)

    @property
    def kind(self) -> str:
        """What the message wanted and what was done: "answer" (quoted), "declined" (the
        article does not answer), "chat", "request" or "section"."""
        if self.asks != ANSWER:
            return self.asks
        return "answer" if self.answered else "declined"

    def shown(self, limit: int) -> int:
        """How many hits a reply shows, at most `limit`: an unsure answer, its closest
        UNSURE_SHOWN (the closest sections, rather than a list to guess from)."""
        return min(limit, UNSURE_SHOWN) if self.confidence == "low" else limit


class Retriever(Protocol):
    """What answers questions about an article: SearchIndex, or HybridIndex."""

    @property
    def article(self) -> Article: ...

    @property
    def tokenizer(self) -> Tokenizer: ...

    def search(self, question: str, k: int = 5) -> Answer: ...

    def lead_in(self, question: str, passages: Sequence[Passage], said: Collection[str]) -> str:
        """The sentence (or two) of `passages`, the best first, that answers `question` in
        short, and repeats none of the leads `said` before (said_before); "" where every
        sentence does."""
        ...

    def prepare(self, questions: Sequence[str]) -> None:
        """Do ahead, for several questions at once, what their searches share (if anything)."""
        ...

    def leave_out(self, sources: Collection[str], questions: Collection[str]) -> Retriever:
        """This retriever with the memory of labelled messages (if it has one) read without
        the sets `sources` and the messages `questions`."""
        ...


def said_before(sentence: str, leads: Collection[str]) -> bool:
    """Whether `sentence` is one a lead of `leads` said: within it, or where the lead was
    cut short ("…"), the sentence it was cut from."""
    sentence = sentence.strip()
    return bool(sentence) and any(
        sentence in lead or (lead.endswith(ELLIPSIS) and sentence.startswith(lead[:-1]))
        for lead in leads
    )


@dataclass(frozen=True)
class Match:
    """What the lexical pass (SearchIndex.match) makes of one question."""

    words: tuple[Word, ...]
    weights: tuple[float, ...]  # of each word (see SearchIndex.weight)
    scores: dict[int, float]  # passage index → score, for the passages holding any word
    index: SearchIndex = field(repr=False, compare=False)

    @property
    def has_content(self) -> bool:
        """Whether the question has a word to search for (not only what it asks: いつ, 誰)."""
        return any(not w.answer_type for w in self.words)

    def coverage(self, section: int) -> float:
        """Weighted share of the question's content words found in section number `section`.

        A section rather than the best passage: the passage often answers with a few of the
        question's words while its section holds the rest (what the question is about).
        """
        return self.index._coverage(self, self.index._position[section])

    def unseen(self, names: bool = False) -> float:
        """Weighted share of the question's content words the article never uses (with
        `names`: only those that are names, proper nouns or words the dictionary does not know)."""
        return self.index._unseen(self, names)


@dataclass(frozen=True)
class Params:
    """How passages are scored and when a question counts as answered."""

    k1: float = 1.2
    b: float = 0.75
    # A passage also scores with its whole section and its section's title (fields of their
    # own), times these: questions are about topics that a section develops over several
    # passages and names in its title.
    section_weight: float = 0.4
    title_weight: float = 0.5
    # Share of the question's words (IDF-weighted) that the best passage's section must hold
    # for the question to count as answered.
    min_coverage: float = 0.25
    # Verbs, adjectives and adverbs say less about what is asked than nouns do.
    other_weight: float = 0.5
    # Pairs of adjacent words of the question found adjacent in a passage add their score,
    # times this: 「審美眼を持つAI」 answers 「審美眼を持ったAIは」 better than scattered words.
    pair_weight: float = 1.0
    # A compound of the question that the article never uses ranks by its parts instead
    # (太陽光発電 by 太陽 and 発電).
    split_unknown_compounds: bool = True
    # Also index the passages' readings and the article's spellings (what hybrid retrieval
    # reads to match kana and misconverted kanji; lexical retrieval does not use them, and they
    # triple the time a large article takes to build).
    readings: bool = False


class Field:
    """One BM25 field (passages, sections or titles) scored with rank-bm25's formula.

    BM25Plus with delta=0 is Okapi BM25's term-frequency part with the IDF log((N+1)/n), which
    stays positive for every term. (BM25Okapi's IDF is 0 for a term in exactly half of the
    documents and floored by epsilon above that, which on ~80 passages mutes telling words.)
    Each term's score in each document that holds it is computed once, with rank-bm25's
    get_batch_scores, when the field is built; a question then only adds up the scores of
    its words in the documents that hold them, instead of scoring every document.
    """

    def __init__(self, docs: list[list[str]], k1: float, b: float, name: str = "texts") -> None:
        self.idf: dict[str, float] = {}
        self.impacts: dict[str, dict[int, float]] = {}
        self._merged: dict[tuple[str, ...], dict[int, float]] = {}  # by a word's keys
        if not any(docs):
            return
        # Imported here: answering from a cached index needs neither rank-bm25 nor numpy,
        # whose import alone would double the start-up time of `interview-bot ask`.
        from rank_bm25 import BM25Plus

        bm25 = BM25Plus(docs, k1=k1, b=b, delta=0)
        postings: dict[str, list[int]] = defaultdict(list)
        for doc_id, freqs in enumerate(bm25.doc_freqs):
            for term in freqs:
                postings[term].append(doc_id)
        self.idf = {t: float(v) for t, v in bm25.idf.items()}
        shared: dict[tuple[tuple[int, float], ...], dict[int, float]] = {}
        for term in steps(postings, f"scoring the words of {len(docs):,} {name}"):
            ids = postings[term]
            scores = bm25.get_batch_scores([term], ids)
            impacts = {d: float(s) for d, s in zip(ids, scores, strict=True)}
            # Keys that always occur together (AI and its five synonym groups) share one
            # dict, which a word with several keys then adds up only once.
            self.impacts[term] = shared.setdefault(tuple(impacts.items()), impacts)

    def scores(self, words: list[Word]) -> dict[int, float]:
        """Documents that hold any of the words, with their scores."""
        total: dict[int, float] = defaultdict(float)
        for word in words:
            impacts = self._merged.get(word.keys)
            if impacts is None:
                if len(self._merged) >= _MERGED_SIZE:  # bounded: questions bring new words
                    self._merged.clear()
                impacts = self._merged[word.keys] = self._merge(word.keys)
            for doc_id, score in impacts.items():
                total[doc_id] += score
        return total

    def _merge(self, keys: tuple[str, ...]) -> dict[int, float]:
        """A word's score in each document: that of its best-matching key there.

        Summing every key would count a word once per synonym group it belongs to (AI is in
        five), so that words with many synonyms would outweigh the rest of the question.
        """
        found = list({id(i): i for k in keys if (i := self.impacts.get(k))}.values())
        if len(found) == 1:  # the common case
            return found[0]
        best: dict[int, float] = {}
        for impacts in found:
            for doc_id, score in impacts.items():
                if score > best.get(doc_id, 0.0):
                    best[doc_id] = score
        return best

    def to_data(self) -> dict[str, Any]:
        """The field as plain data (JSON): IDF, and each term's documents and scores there."""
        return {
            "idf": self.idf,
            "impacts": {t: [list(i), list(i.values())] for t, i in self.impacts.items()},
        }

    @classmethod
    def from_data(cls, data: Any, documents: int) -> Field:
        """The field to_data wrote, checked: ValueError when it is not one of `documents`
        documents with finite scores."""
        field = cls([], 0.0, 0.0)
        idf, impacts = data["idf"], data["impacts"]
        if not (isinstance(idf, dict) and isinstance(impacts, dict)):
            raise ValueError("a field is not of the form written")
        field.idf = {str(t): _finite(v) for t, v in idf.items()}
        shared: dict[tuple[tuple[int, float], ...], dict[int, float]] = {}
        for term, (docs, scores) in impacts.items():
            found = {_doc(d, documents): _finite(v) for d, v in zip(docs, scores, strict=True)}
            field.impacts[str(term)] = shared.setdefault(tuple(found.items()), found)
        return field

    def holds(self, doc_id: int, key: str) -> bool:
        return doc_id in self.impacts.get(key, _NONE)


class SearchIndex:
    """Passages of one article, indexed for BM25 ranking."""

    def __init__(
        self,
        article: Article,
        tokenizer: Tokenizer | None = None,
        params: Params | None = None,
        data: Iterable[Any] | None = None,
    ) -> None:
        """The index of `article`; from `data` (the parts to_data wrote for it, checked: a
        ValueError when they do not fit the article) instead of tokenizing it, if given."""
        self.article = article
        self.tokenizer = tokenizer or Tokenizer()
        self.params = p = params or Params()
        # The position in article.sections of each section number, and of each passage's.
        self._position = {s.number: at for at, s in enumerate(article.sections)}
        self._section_at = [self._position[x.section] for x in article.passages]
        self._doc = {x.id: d for d, x in enumerate(article.passages)}  # by passage id
        # The article's text as words are normalized, to tell a name it mentions in passing.
        self._text = unicodedata.normalize(
            "NFKC", "\n".join(x.text for x in article.passages)
        ).lower()
        # A word the article never uses weighs more than any word it does use.
        self._unseen_idf = math.log(len(article.passages) + 1) + 1.0
        self._readings: Field | None = None
        self._spellings: dict[str, str] | None = None
        if data is not None:
            self._from_data(data)
            return
        # The article is tokenized once, sentence by sentence; passages and sections are
        # made of their sentences' words. A large article holds millions of words: each is
        # kept once (interned), and a sentence's as an array of their vocabulary numbers.
        self._vocabulary: dict[str, int] = {}
        self._sentences: list[list[tuple[str, array[int]]]] = []
        passage_keys: list[list[str]] = []
        pair_keys: list[list[str]] = []
        for x in steps(article.passages, "reading the article's passages"):
            passage_keys.append([])
            pair_keys.append([])
            self._sentences.append([])
            for text in SENTENCE.findall(x.text):
                words = self.tokenizer.words(text)
                keys = [sys.intern(k) for w in words for k in w.keys]
                ids = {self._vocabulary.setdefault(k, len(self._vocabulary)) for k in keys}
                self._sentences[-1].append((text.strip(), array("I", sorted(ids))))
                passage_keys[-1] += keys
                pair_keys[-1] += map(sys.intern, _pairs(words))
        self.passages = Field(passage_keys, p.k1, p.b, "passages")
        self.pairs = Field(pair_keys, p.k1, p.b, "passages' word pairs")
        titles = [self.tokenizer.terms(s.title) for s in article.sections]
        self.titles = Field(titles, p.k1, 0.0, "titles")
        section_keys = [list(title) for title in titles]
        for at, keys in zip(self._section_at, passage_keys, strict=True):
            section_keys[at] += keys
        self.sections = Field(section_keys, p.k1, p.b, "sections")
        if p.readings:
            self._build_readings()

    def _build_readings(self) -> None:
        p, passages = self.params, self.article.passages
        texts = [x.text for x in passages]
        self._readings = Field(list(map(self.tokenizer.sounds, texts)), p.k1, p.b, "readings")
        self._spellings = self.tokenizer.spellings("\n".join(texts))

    @property
    def readings(self) -> Field:
        """BM25 over the trigrams of each passage's reading (built when first needed, unless
        Params.readings built it with the index)."""
        if self._readings is None:
            self._build_readings()
        assert self._readings is not None
        return self._readings

    @property
    def spellings(self) -> dict[str, str]:
        """How the article writes its words, by reading (Tokenizer.spellings)."""
        if self._spellings is None:
            self._build_readings()
        assert self._spellings is not None
        return self._spellings

    def to_data(self) -> Iterator[Any]:
        """What tokenizing and scoring the article made, as plain data (JSON), in parts that
        a large article's cache writes one at a time: the vocabulary (and spellings), each
        passage's sentences, then each field."""
        yield {"vocabulary": list(self._vocabulary), "spellings": self._spellings}
        for sents in self._sentences:
            yield [[text, list(ids)] for text, ids in sents]
        for name in ("passages", "pairs", "titles", "sections", "readings"):
            if name != "readings" or self._readings is not None:
                yield {"field": name, **getattr(self, name).to_data()}

    def _from_data(self, data: Iterable[Any]) -> None:
        passages, sections = self.article.passages, len(self.article.sections)
        try:
            parts = iter(data)
            head = next(parts)
            terms, spellings = head["vocabulary"], head["spellings"]
            if not all(isinstance(t, str) for t in terms):
                raise ValueError("a vocabulary of other than words")
            self._vocabulary = {t: i for i, t in enumerate(terms)}
            self._sentences = []
            for passage in passages:
                sents = next(parts)
                if not all(isinstance(t, str) and t in passage.text for t, _ in sents):
                    raise ValueError("a sentence that is not the passage's")
                self._sentences.append([(t, array("I", ids)) for t, ids in sents])
                if any(ids and max(ids) >= len(terms) for _, ids in self._sentences[-1]):
                    raise ValueError("a word that is not in the vocabulary")
            fields = {part["field"]: part for part in parts}
            self.passages = Field.from_data(fields["passages"], len(passages))
            self.pairs = Field.from_data(fields["pairs"], len(passages))
            self.titles = Field.from_data(fields["titles"], sections)
            self.sections = Field.from_data(fields["sections"], sections)
            if self.params.readings:
                self._readings = Field.from_data(fields["readings"], len(passages))
                if not isinstance(spellings, dict) or not all(
                    isinstance(r, str) and isinstance(w, str) and w in self._text
                    for r, w in spellings.items()
                ):
                    raise ValueError("spellings that are not the article's")
                self._spellings = spellings
        except (KeyError, TypeError, ValueError, OverflowError, StopIteration) as exc:
            raise ValueError(f"not an index of this article ({exc})") from None

    def prepare(self, questions: Sequence[str]) -> None:
        """Nothing: BM25 gains nothing from questions read together."""

    def leave_out(self, sources: Collection[str], questions: Collection[str]) -> SearchIndex:
        """Itself: lexical retrieval reads no memory of labelled messages."""
        return self

    def search(self, question: str, k: int = 5) -> Answer:
        """Rank passages for `question`; `answered` is False when none covers it well enough,
        or when the message asks for something else (a section, chat, a request)."""
        spoken = language(question)
        if (other := self.other_kind(question, spoken)) is not None:
            return other
        match = self.match(question_part(question))
        scores = match.scores
        if not scores:
            return Answer(question=question, hits=(), answered=False, language=spoken)
        # The best k in O(n log k) rather than sorting them all; ties keep a fixed order.
        ranked = heapq.nlargest(max(k, 1), scores.items(), key=operator.itemgetter(1))
        if self._coverage(match, self._section_at[ranked[0][0]]) < self.params.min_coverage:
            return Answer(question=question, hits=(), answered=False, language=spoken)
        hits = tuple(
            Hit(passage=self.article.passages[d], score=s, excerpt=self.excerpt(d, match))
            for d, s in ranked
        )
        return Answer(question, hits, True, language=spoken, lead=hits[0].excerpt)

    def lead_in(self, question: str, passages: Sequence[Passage], said: Collection[str]) -> str:
        match = self.match(question_part(question))
        for passage in passages:
            excerpt = self.excerpt(self.doc(passage), match, said=said)
            if not said_before(excerpt, said):
                return excerpt
        return ""

    def doc(self, passage: Passage) -> int:
        """The passage's index in the article's passages."""
        return self._doc[passage.id]

    def other_kind(self, message: str, spoken: str) -> Answer | None:
        """The reply to a message that asks for a section, chats or requests something else
        (by index.kinds' rules); None for a question about the article."""
        kind = kind_of(message)
        if kind.kind == ANSWER:
            return None
        section = self.article.span[1] if kind.last else kind.section
        return Answer(message, (), False, language=spoken, asks=kind.kind, section=section)

    def match(self, question: str) -> Match:
        """The question's words, their weights, and the BM25 score of every passage holding one."""
        words = self.tokenizer.words(question)
        p = self.params
        ranking = self._split_unknown(words) if p.split_unknown_compounds else words
        scores = self.passages.scores(ranking)
        weights = tuple(self.weight(w) for w in words)
        if not scores:
            return Match(tuple(words), weights, {}, self)
        for d, score in self.pairs.scores([Word((key,)) for key in _pairs(words)]).items():
            scores[d] += p.pair_weight * score
        prior: dict[int, float] = defaultdict(float)
        for whole, weight in ((self.sections, p.section_weight), (self.titles, p.title_weight)):
            for section, score in whole.scores(ranking).items():
                prior[section] += weight * score
        section_at = self._section_at
        for d in scores:
            scores[d] += prior[section_at[d]]
        return Match(tuple(words), weights, scores, self)

    def respell(self, question: str) -> str:
        """The question with its words spelt as the article spells them (see
        Tokenizer.respell): what is typed in kana, or with the wrong kanji, as the article's
        words."""
        idf = self.passages.idf
        return self.tokenizer.respell(
            question, self.spellings, lambda term: term in idf or term in self._text
        )

    def sounds(self, question: str) -> dict[int, float]:
        """The BM25 score of every passage holding one of the question's reading trigrams."""
        return self.readings.scores([Word((gram,)) for gram in self.tokenizer.sounds(question)])

    def _split_unknown(self, words: list[Word]) -> list[Word]:
        """The words, with each compound the article never uses replaced by its parts."""
        idf = self.passages.idf
        out: list[Word] = []
        for w in words:
            if w.parts and not any(key in idf for key in w.keys):
                out.extend(Word(part, w.noun) for part in w.parts)
            else:
                out.append(w)
        return out

    def weight(self, word: Word) -> float:
        """How much a word of the question says: its rarest known key's IDF, by part of speech."""
        idf = self.passages.idf
        known = [idf[key] for key in word.keys if key in idf]
        weight = max(known) if known else self._unseen_idf
        return weight * (1.0 if word.noun else self.params.other_weight)

    def sentence_texts(self) -> list[list[str]]:
        """Each passage's sentences, as excerpts quote them."""
        return [[text for text, _ in sents] for sents in self._sentences]

    def _coverage(self, match: Match, section: int) -> float:
        """Match.coverage of the `section`-th section."""
        content = [
            (w, weight)
            for w, weight in zip(match.words, match.weights, strict=True)
            if not w.answer_type
        ]
        total = sum(weight for _, weight in content)
        found = sum(weight * self._found(w, section) for w, weight in content)
        return found / total if total else 0.0

    def _unseen(self, match: Match, names: bool) -> float:
        """Match.unseen."""
        idf = self.passages.idf
        total = unseen = 0.0
        for w, weight in zip(match.words, match.weights, strict=True):
            if w.answer_type:
                continue
            total += weight
            # A word the article writes only inside a longer one (イーロン in イーロン・マスク)
            # counts as used; so does a word in Latin letters, which the article may write in
            # katakana (solar) and the encoder reads either way.
            if any(key in idf for key in w.keys) or w.term in self._text or _LATIN(w.term):
                continue
            if not names or w.name:
                unseen += weight
        return unseen / total if total else 0.0

    def _found(self, word: Word, section: int) -> float:
        """1 if the section holds the word; else the IDF-weighted share of its parts it holds."""
        if any(self.sections.holds(section, key) for key in word.keys):
            return 1.0
        if not word.parts:
            return 0.0
        weights = [self.weight(Word(part)) for part in word.parts]
        held = [any(self.sections.holds(section, key) for key in part) for part in word.parts]
        return sum(w for w, h in zip(weights, held, strict=True) if h) / sum(weights)

    def excerpt(
        self, doc_id: int, match: Match, bonus: Sequence[float] = (), said: Collection[str] = ()
    ) -> str:
        """The passage's sentence that holds the most question weight (the first on ties),
        plus each sentence's `bonus` (0 to 1) where one is given; with `said`, one that no lead
        of it said, where the passage has one."""
        best, best_score = self.article.passages[doc_id].text, -1.0
        vocabulary = self._vocabulary
        words = [
            (frozenset(vocabulary[k] for k in w.keys if k in vocabulary), weight)
            for w, weight in zip(match.words, match.weights, strict=True)
        ]
        total = sum(weight for _, weight in words) or 1.0
        for i, (sentence, ids) in enumerate(self._sentences[doc_id]):
            if said and said_before(sentence, said):
                continue
            score = sum(weight for word, weight in words if not word.isdisjoint(ids)) / total
            score += bonus[i] if bonus else 0.0
            if score > best_score:
                best, best_score = sentence, score
        return best


_NONE: dict[int, float] = {}
_LATIN = re.compile(r"[a-z][a-z'-]*").fullmatch


def _finite(value: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return float(value)


def _doc(value: Any, documents: int) -> int:
    if type(value) is not int or not 0 <= value < documents:
        raise ValueError(f"not a document number: {value!r}")
    return int(value)


def _pairs(words: list[Word]) -> list[str]:
    """Adjacent content words, one of them a noun, as one key each ("審美眼|持つ").

    (Two verbs or adjectives side by side, 良い|無い in 良いことではない, are a turn of
    phrase rather than what a question is about.)
    """
    content = [w for w in words if not w.answer_type]
    return [f"{a.term}|{b.term}" for a, b in itertools.pairwise(content) if a.noun or b.noun]
