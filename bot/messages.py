"""What the bot says, in Japanese, on the console and in Telegram alike (one copy each)."""

from __future__ import annotations

from index.article import Article
from index.text import shorten

NO_ANSWER = "この記事には、その質問に答える箇所が見つかりませんでした。"
SECTIONS_HINT = "/sections で章の一覧を見られます。"
UNKNOWN_COMMAND = "知らないコマンドです。/help で使い方を表示します。"
EMPTY_ASK = "/ask のあとに質問を書いてください。"
SECTION_DONE = "§{number} の箇所はこれで全部です。"
NO_SECTION = "「{ref}」という章はありません。章の番号は {first}〜{last} です(例: /section 5)。"


def no_section(ref: str, article: Article) -> str:
    """What a reference to a section the article does not have gets (plain text)."""
    first, last = article.sections[0].number, article.sections[-1].number
    return NO_SECTION.format(ref=shorten(ref.strip(), 20), first=first, last=last)
