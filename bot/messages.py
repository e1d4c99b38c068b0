"""What the bot says, on the console and in Telegram alike (one copy each). What it says about
an answer follows the language of the question (index.text.language) where it has the words:
Japanese, English and Chinese."""

from __future__ import annotations

from index.article import Article
from index.search import Answer
from index.text import shorten

UNKNOWN_COMMAND = "知らないコマンドです。/help で使い方を表示します。"
EMPTY_ASK = "/ask のあとに質問を書いてください。"
SECTION_DONE = "§{number} の箇所はこれで全部です。"
NO_SECTION = "「{ref}」という章はありません。章の番号は {first}〜{last} です(例: /section 5)。"

# By the question's language.
NO_ANSWER = {
    "ja": "この記事には、その質問に答える箇所が見つかりませんでした。",
    "en": "The article has no passage that answers this question.",
    "zh": "这篇文章里没有回答这个问题的段落。",
}
UNSURE = {
    "ja": "確かではありませんが、いちばん近いのはこの箇所です。",
    "en": "I am not sure, but these passages of the (Japanese) article come closest.",
    "zh": "不太确定，以下是文章（日文）中最接近的段落。",
}
FOREIGN_LEAD = {
    "en": "From the (Japanese) article:",
    "zh": "文章（日文）中的相关段落：",
}
SECTIONS_HINT = {
    "ja": "/sections で章の一覧を見られます。",
    "en": "/sections lists the article's sections.",
    "zh": "/sections 可以查看章节列表。",
}
ASK_HINT = {  # how to see the sections from `interview-bot ask`
    "ja": "interview-bot sections で章の一覧を見られます。",
    "en": "interview-bot sections lists the article's sections.",
    "zh": "interview-bot sections 可以查看章节列表。",
}
READ_SECTION = {"ja": "§{number} を全文で読む", "en": "Read §{number}", "zh": "阅读 §{number} 全文"}
MORE_CANDIDATES = {"ja": "ほかの候補", "en": "Other passages", "zh": "其他段落"}


def said(words: dict[str, str], language: str) -> str:
    """`words` in `language`, or in Japanese where there are none in it."""
    return words.get(language, words["ja"])


def answer_lead(answer: Answer) -> str:
    """What stands before an answer's quotes: that it is not sure, or, for a question in
    another language, that they are the Japanese article's; else nothing."""
    if answer.confidence == "low":
        return said(UNSURE, answer.language)
    return FOREIGN_LEAD.get(answer.language, "")


def no_section(ref: str, article: Article) -> str:
    """What a reference to a section the article does not have gets (plain text)."""
    first, last = article.sections[0].number, article.sections[-1].number
    return NO_SECTION.format(ref=shorten(ref.strip(), 20), first=first, last=last)
