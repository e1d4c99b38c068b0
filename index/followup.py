"""Follow-up questions: a message read with the answer before it as its context.

Stateless: a Context is all that an earlier answer leaves (the question it answered and the
passages it showed), so the bot can rebuild it from a replied-to message as well as keep it
for a chat. What a follow-up does depends on its kind, told apart with generic Japanese only:

- "more" (もっと詳しく, 続きは?, 他には?): the passages of the answer's section not yet shown;
- "topic" (それはなぜ?, いつ頃?, 具体的には?: no words of its own, or a demonstrative
  pointing back): asked again with the earlier question's words, preferring the sections of
  the earlier answer, and asked alone if that finds nothing;
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

from index.article import section_of
from index.kinds import ANSWER
from index.kinds import kind_of as message_kind
from index.search import Answer, Hit, Retriever
from index.text import language
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


class Kind(Enum):
    MORE = "more"
    TOPIC = "topic"
    STANDALONE = "standalone"


@dataclass(frozen=True)
class Context:
    """What an answer leaves for the message after it."""

    question: str  # what it answered (the words a follow-up without a topic borrows)
    shown: tuple[str, ...]  # passage ids shown so far, best first


@dataclass(frozen=True)
class Reply:
    answer: Answer
    kind: Kind
    context: Context | None  # for the next message; None when nothing was answered
    # For "more" past the end of the section: the section whose passages have all been shown.
    section_done: int | None = None


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
        answer = _with_topic(retriever, text, context, k)
        if answer.answered:
            return _reply(answer, Kind.TOPIC, f"{context.question} {text}", shown, context.shown)
    return _reply(retriever.search(text, k=k), Kind.STANDALONE, text, shown)


def _reply(
    answer: Answer, kind: Kind, question: str, shown: int, seen: tuple[str, ...] = ()
) -> Reply:
    """The reply, and the context it leaves: its question, and the passages seen so far on
    its topic (`seen`, from earlier answers, then the ones this one shows)."""
    if not answer.answered:
        return Reply(answer, kind, None)
    hits = answer.hits[: answer.shown(shown)]
    ids = tuple(dict.fromkeys(seen + tuple(hit.passage.id for hit in hits)))
    return Reply(answer, kind, Context(question, ids))


def _with_topic(retriever: Retriever, text: str, context: Context, k: int) -> Answer:
    """`text` asked with the earlier question's words; hits in the earlier answer's sections
    first."""
    answer = retriever.search(f"{context.question} {text}", k=k + len(context.shown))
    sections = list(dict.fromkeys(section_of(pid) for pid in context.shown))
    rank = {section: i for i, section in enumerate(sections)}
    # A stable sort: the earlier answer's best section first, then its others, then the rest;
    # within each, the passages not shown yet first (they hold what the answer did not say).
    hits = sorted(
        answer.hits,
        key=lambda h: (rank.get(h.passage.section, len(rank)), h.passage.id in context.shown),
    )
    return replace(answer, question=text, hits=tuple(hits[:k]))


def _more(retriever: Retriever, text: str, context: Context, k: int, shown: int) -> Reply:
    """The passages of the earlier answer's section not shown yet, best for its question first
    (reading order where the question is not known)."""
    article = retriever.article
    section = section_of(context.shown[0]) if context.shown else None
    rest = [p for p in article.passages if p.section == section and p.id not in context.shown]
    ranked = (
        retriever.search(context.question, k=len(article.passages)) if context.question else None
    )
    order = {h.passage.id: i for i, h in enumerate(ranked.hits)} if ranked else {}
    excerpts = {h.passage.id: h.excerpt for h in ranked.hits} if ranked else {}
    rest.sort(key=lambda p: order.get(p.id, len(order)))
    hits = tuple(Hit(p, 0.0, excerpts.get(p.id, "")) for p in rest[:k])
    answer = Answer(question=text, hits=hits, answered=bool(hits), language=language(text))
    if not hits:
        return Reply(answer, Kind.MORE, context, section_done=section)
    more_shown = tuple(h.passage.id for h in hits[:shown])
    return Reply(answer, Kind.MORE, Context(context.question, context.shown + more_shown))


class RecentAnswers:
    """Each conversation's last answer, for a follow-up sent without replying to it: kept
    FOLLOW_UP_SECONDS, for at most CONVERSATIONS conversations."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._kept: OrderedDict[int, tuple[float, Context]] = OrderedDict()

    def remember(self, conversation: int, context: Context) -> None:
        self._kept[conversation] = (self.clock(), context)
        self._kept.move_to_end(conversation)
        while len(self._kept) > CONVERSATIONS:
            self._kept.popitem(last=False)

    def recall(self, conversation: int) -> Context | None:
        found = self._kept.get(conversation)
        if found is None or self.clock() - found[0] > FOLLOW_UP_SECONDS:
            return None
        return found[1]
