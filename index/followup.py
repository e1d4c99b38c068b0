"""Follow-up questions: a message read with the answer before it as its context.

Stateless: a Context is all that an earlier answer leaves (the question it answered and the
passages it showed), so the bot can rebuild it from a replied-to message as well as keep it
for a chat. What a follow-up does depends on its kind, told apart with generic Japanese only:

- "more" (もっと詳しく, 続きは?, 他には?): the passages of the answer's section not yet shown;
  past its end, those of the question's next best sections in turn, and when none is left,
  the end (said once: the conversation's context ends with it);
- "topic" (それはなぜ?, いつ頃?, 具体的には?: no words of its own, or a demonstrative
  pointing back): asked again with the earlier question's words, preferring the sections of
  the earlier answer and the passages not shown yet, led by a sentence the conversation has
  not led with; asked alone if that finds nothing;
- "standalone": a question that names its own topic is answered as if there were no context
  (context never hijacks it, even when the article does not answer it).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Generic, TypeVar

from index.article import section_of
from index.kinds import ANSWER
from index.kinds import kind_of as message_kind
from index.search import Answer, Hit, Retriever, said_before
from index.text import ELLIPSIS, language
from index.tokenize import Tokenizer

# Words that ask for more of the same (dictionary forms), and words that may come with them
# without asking anything else (教えてください, 聞きたい, 何か言ってた).
MORE = frozenset(
    "もっと 詳しい 詳細 続き 続く 続ける 他 ほか 外 まだ 更に さらに 次 もう 少し".split()
)
ALONG = frozenset(
    "教える 下さる くださる 願う 御願い お願い する 聞く 知る 言う ある 有る 何 か 欲しい ほしい "
    "呉れる くれる 良い いい 話 話す 頂く いただく 頼む 続き".split()
)
# Words that point back at what was said before (この, as in このインタビュー, points at the
# article more often than at the last answer).
POINTING = frozenset("それ その そう そういう そんな これ あれ あの ああ そこ".split())
# Words that frame a question without naming its topic (具体的には?, 理由は?, なぜダメなの?).
FRAMING = frozenset(
    "具体 具体的 詳細 例 例え 理由 意味 目的 原因 根拠 結果 影響 方法 時期 場合 違い 関係 "
    "本当 ほんと 事実 真意 ポイント 要点 結論 駄目 良い 悪い 大丈夫".split()
)
# A message this soon after an answer may follow up on it without replying to it.
FOLLOW_UP_SECONDS = 600.0
# Conversations whose last answer is kept, at most (the least recently answered go first).
CONVERSATIONS = 10_000
LEADS = 8  # the leads a context keeps, at most (the latest)
MORE_SECTIONS = 3  # "more" reads the conversation's section, then the question's next best


class Kind(Enum):
    MORE = "more"
    TOPIC = "topic"
    STANDALONE = "standalone"


@dataclass(frozen=True)
class Context:
    """What an answer leaves for the message after it."""

    question: str  # what it answered (the words a follow-up without a topic borrows)
    shown: tuple[str, ...]  # passage ids shown so far, best first
    leads: tuple[str, ...] = ()  # the leads given on its topic (a follow-up says another)


@dataclass(frozen=True)
class Reply:
    answer: Answer
    kind: Kind
    # For the next message; None when nothing was answered (and at the end of "more").
    context: Context | None
    # For "more": the sections read to their end, the conversation's first, when this reply
    # goes on in another section (its hits: the last has no more) or when none is left.
    done: tuple[int, ...] = ()

    @property
    def section_done(self) -> int | None:
        """The section just read to its end, if this reply says so."""
        return self.done[-1] if self.done else None

    @property
    def ended(self) -> bool:
        """A "more" that found nothing left on the conversation's question."""
        return bool(self.done) and not self.answer.answered


# In English and Chinese, a whole message that asks for more, or only asks why, how or when.
_END = r"[\s?!.,？！。，~…]*$"
_MORE_FOREIGN = re.compile(
    r"^(?:more|tell\s+me\s+more|go\s+on|continue|what\s+else|anything\s+else|"
    r"more\s+details?|and\s+then|更多|还有呢|還有呢|还有吗|還有嗎|继续|繼續|然后呢|然後呢|"
    r"详细一点|詳細一點|多说一点|多說一點|再多一点|再多一點)" + _END
)
_TOPIC_FOREIGN = re.compile(
    r"^(?:why|why\s+so|how\s+so|how|when|really|what\s+does\s+that\s+mean|"
    r"为什么|為什麼|为啥|為啥|怎么说|怎麼說|什么意思|什麼意思|真的吗|真的嗎|什么时候|什麼時候|"
    r"怎么会|怎麼會)" + _END
)


def kind_of(text: str, tokenizer: Tokenizer) -> Kind:
    """How a message relates to the answer before it, from its words alone."""
    folded = unicodedata.normalize("NFKC", text).lower().strip()
    if _MORE_FOREIGN.match(folded):
        return Kind.MORE
    if _TOPIC_FOREIGN.match(folded):
        return Kind.TOPIC
    units = tokenizer.units(text)
    forms = [form for _, form, _ in units]
    # Only words that ask for more (もっと詳しく, 他には?), or それ alone (それで?, それから?).
    if (MORE & set(forms) and set(forms) <= MORE | ALONG) or forms in (["それ"], ["其れ"]):
        return Kind.MORE
    if any(form in POINTING or surface in POINTING for surface, form, _ in units):
        return Kind.TOPIC
    if all(w.answer_type or w.term in FRAMING for w in tokenizer.words(text)):
        return Kind.TOPIC  # nothing of its own to search for: いつ頃?, どうして?, 具体的には?
    return Kind.STANDALONE


def follow_up(
    retriever: Retriever, text: str, context: Context | None, k: int = 6, shown: int = 3
) -> Reply:
    """The answer to `text` after an answer that left `context` (None: a first question).
    `shown` is how many of the hits the reply shows (they count as seen by the next "more")."""
    # Chat (thanks after an answer), a request or a section asked for is never a follow-up.
    asks = context is not None and message_kind(text).kind == ANSWER
    kind = kind_of(text, retriever.tokenizer) if asks else Kind.STANDALONE
    if context is not None and kind is Kind.MORE:
        return _more(retriever, text, context, k, shown)
    if context is not None and kind is Kind.TOPIC:
        question = f"{context.question} {text}"
        answer = _with_topic(retriever, text, question, context, k, shown)
        if answer.answered:
            return _reply(answer, Kind.TOPIC, question, shown, context)
    return _reply(retriever.search(text, k=k), Kind.STANDALONE, text, shown)


def _reply(
    answer: Answer, kind: Kind, question: str, shown: int, earlier: Context | None = None
) -> Reply:
    """The reply, and the context it leaves: its question, the passages seen so far on its
    topic and the leads given (the `earlier` context's, then this answer's)."""
    if not answer.answered:
        return Reply(answer, kind, None)
    hits = answer.hits[: answer.shown(shown)]
    seen, leads = (earlier.shown, earlier.leads) if earlier else ((), ())
    ids = tuple(dict.fromkeys(seen + tuple(hit.passage.id for hit in hits)))
    leads = (*leads, answer.lead) if answer.lead else leads
    return Reply(answer, kind, Context(question, ids, leads[-LEADS:]))


def _with_topic(
    retriever: Retriever, text: str, question: str, context: Context, k: int, shown: int
) -> Answer:
    """`text` asked as `question` (with the earlier question's words): hits in the earlier
    answer's sections first, led by a sentence of the hits shown that no lead before said."""
    answer = retriever.search(question, k=k + len(context.shown))
    sections = list(dict.fromkeys(section_of(pid) for pid in context.shown))
    rank = {section: i for i, section in enumerate(sections)}
    # A stable sort: the earlier answer's best section first, then its others, then the rest;
    # within each, the passages not shown yet first (they hold what the answer did not say).
    hits = sorted(
        answer.hits,
        key=lambda h: (rank.get(h.passage.section, len(rank)), h.passage.id in context.shown),
    )[:k]
    lead = answer.lead
    passages = [hit.passage for hit in hits[: answer.shown(shown)]]
    quoted = any(lead.removesuffix(ELLIPSIS) in p.text for p in passages)
    if answer.answered and (said_before(lead, context.leads) or not quoted):
        lead = retriever.lead_in(question, passages, context.leads)
    return replace(answer, question=text, hits=tuple(hits), lead=lead)


def _more(retriever: Retriever, text: str, context: Context, k: int, shown: int) -> Reply:
    """The passages not shown yet of the conversation's section (that of the first passage it
    showed), then of the question's next best sections (MORE_SECTIONS in all), one section at
    a time; within a section, the best for the question first (reading order where the
    question is not known), `k` at most. A reply from a section other than the one shown last
    says which section has no more (`done`); with none left, the end."""
    article = retriever.article
    ranked = (
        retriever.search(context.question, k=len(article.passages)) if context.question else None
    )
    best = ranked.hits if ranked else ()
    order = {h.passage.id: i for i, h in enumerate(best)}
    excerpts = {h.passage.id: h.excerpt for h in best}
    first = [section_of(context.shown[0])] if context.shown else []
    sections = list(dict.fromkeys(first + [h.passage.section for h in best]))[:MORE_SECTIONS]
    seen = set(context.shown)
    left = {
        s: [p for p in article.passages if p.section == s and p.id not in seen] for s in sections
    }
    at = next((at for at, section in enumerate(sections) if left[section]), None)
    if at is None:
        answer = Answer(question=text, hits=(), answered=False, language=language(text))
        return Reply(answer, Kind.MORE, None, tuple(sections))
    section, rest = sections[at], left[sections[at]]
    rest.sort(key=lambda p: order.get(p.id, len(order)))
    hits = tuple(Hit(p, 0.0, excerpts.get(p.id, "")) for p in rest[:k])
    answer = Answer(question=text, hits=hits, answered=True, language=language(text))
    moved = at > 0 and section_of(context.shown[-1]) != section
    more_shown = tuple(h.passage.id for h in hits[:shown])
    more = replace(context, shown=context.shown + more_shown)
    return Reply(answer, Kind.MORE, more, tuple(sections[:at]) if moved else ())


T = TypeVar("T")


class RecentAnswers(Generic[T]):
    """Each conversation's last answer (its Context, or what a front end showed last), for a
    message sent without replying to it: kept FOLLOW_UP_SECONDS, for at most CONVERSATIONS
    conversations."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._kept: OrderedDict[int, tuple[float, T]] = OrderedDict()

    def remember(self, conversation: int, kept: T) -> None:
        self._kept[conversation] = (self.clock(), kept)
        self._kept.move_to_end(conversation)
        while len(self._kept) > CONVERSATIONS:
            self._kept.popitem(last=False)

    def forget(self, conversation: int) -> None:
        self._kept.pop(conversation, None)

    def recall(self, conversation: int) -> T | None:
        found = self._kept.get(conversation)
        if found is None or self.clock() - found[0] > FOLLOW_UP_SECONDS:
            return None
        return found[1]
