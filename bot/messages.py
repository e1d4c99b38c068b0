"""Everything the bot and the console say to a user, in one place. What is said about an answer
follows the language of the question (index.text.language) where there are words for it:
Japanese, English and Chinese; the rest is Japanese, the article's language (the command
line's own errors are English, as its --help is)."""

from __future__ import annotations

from index.article import Article
from index.search import Answer
from index.text import shorten

UNKNOWN_COMMAND = "知らないコマンドです。/help で使い方を表示します。"
EMPTY_ASK = "/ask のあとに質問を書いてください。例: /ask {example}"
DEFAULT_EXAMPLE = "この記事の要点は?"
SECTION_DONE = "§{number} の箇所はこれで全部です。"
NEXT_SECTION = "続きは次の章で: /section {number}"
ARTICLE_END = "記事はここで終わりです。"
NO_SECTION = "「{ref}」という章はありません。章の番号は {first}〜{last} です(例: /section 5)。"
NOT_TEXT = "文字で質問してください。/help で使い方を表示します。"
STALE_BUTTON = "このボタンは古くなっています。/sections から開き直してください。"
APOLOGY = "すみません、処理中にエラーが起きました。もう一度お試しください。"
TOO_MANY = "質問が続いています。少し時間をおいてから、もう一度どうぞ。"
TOO_FAST = "操作が続いています。少し待ってからどうぞ。"
SECTIONS = "章の一覧"
EMPTY_SECTION = "(本文なし)"
READ_NEXT = "{label} を読む ▶"
BATCH_QUESTION = "質問: {question}"
VOTES = (("👍", "+"), ("👎", "-"))  # the buttons under an answer when the question log is on
THANKS = "ありがとうございます。今後の改善に使います。"
HELP_LOGGED = "質問と答えの評価は、ボットの改善のために記録されます(名前やIDは残りません)。"

# The command menu Telegram shows, and the console's help.
COMMANDS = (
    ("ask", "記事に質問する"),
    ("section", "章を読む(例: /section 5)"),
    ("sections", "章の一覧"),
    ("help", "使い方と出典"),
)
CHAT_HELP = """質問をそのまま入力すると、記事の該当箇所を引用して答えます。
答えのあとに「もっと詳しく」「それはなぜ?」と続けて聞くこともできます。
  /section N   第N章を表示 ({first}〜{last}。§N だけでも)
  /sections    章の一覧
  /ask 質問    質問する(/ask なしでも同じ)
  /help        このヘルプ
  /quit        終了"""

# /start and /help in Telegram (render.help_html sets them in HTML, escaped).
HELP_NAME = "記事Q&Aボット"
HELP_INTRO = (
    "記事「{title}」について、質問に記事の該当箇所を引用して答えます。"
    "引用はすべて記事の原文で、§N は章の番号です。"
)
HELP_TOPICS = "内容: {topics}"
HELP_SOURCE = "出典: {source}"
HELP_EXAMPLES = "質問の例"
HELP_EXAMPLE = "・{question}"
HELP_SECTIONS = "章"
HELP_COMMANDS = "コマンド"
HELP_COMMAND_LINES = (
    "/ask 質問 — 記事に質問する(グループではこちらか、@{username} をつけて)",
    "/section N — 第N章を読む({first}〜{last})",
    "/sections — 章の一覧",
    "/help — この説明",
)
HELP_FOLLOW_UP = (
    "答えに返信して「もっと詳しく」「それはなぜ?」と聞くと、その答えの続きとして答えます。"
    "質問を編集すると、編集後の質問にあらためて答えます。"
)

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

# The command line's errors (one line each, exit code 2).
CLI_NO_SECTION = "no section {ref!r}: sections are numbered {first}–{last}"
CLI_BATCH_ALONE = "'-' reads the questions from standard input: give no other question"
CLI_EMPTY_QUESTION = "empty question: ask QUESTION, or ask - to read questions from stdin"
CLI_TOP = "--top must be at least 1"
CLI_NO_LOG = "no question log: name one, or set INTERVIEW_BOT_LOG"
CLI_SINCE = "--since must be a day as YYYY-MM-DD, not {since!r}"
CLI_EXPORTED = "wrote {count} questions to {path}"

# `interview-bot health` and GET /healthz (one line each, for the operator).
HEALTH_OK = "ok: {mode}, the Bot API answered {ago:.0f} s ago, {answered} updates answered"
HEALTH_STALE = "the bot has not reported for {ago:.0f} s (stuck?)"
HEALTH_NEVER_CONNECTED = "not connected: no answer from the Bot API in {ago:.0f} s"
HEALTH_OUT_OF_TOUCH = "not connected: no answer from the Bot API for {ago:.0f} s"
HEALTH_LATE = "not answering: an update has waited {ago:.0f} s for its answer"
HEALTH_GONE = "the bot (pid {pid}) is not running"
HEALTH_NO_STATUS = "no status at {path}: the bot is not running"
HEALTH_UNREADABLE = "cannot read {path}: {reason}"
HEALTH_NOT_STATUS = "{path} holds no status"


def said(words: dict[str, str], language: str) -> str:
    """`words` in `language`, or in Japanese where there are none in it."""
    return words.get(language, words["ja"])


def label(number: int, title: str = "") -> str:
    """`§N title`, as every reply names a section."""
    return f"§{number} {title}" if title else f"§{number}"


def answer_lead(answer: Answer) -> str:
    """What stands before an answer's quotes: that it is not sure, or, for a question in
    another language, that they are the Japanese article's; else nothing."""
    if answer.confidence == "low":
        return said(UNSURE, answer.language)
    return FOREIGN_LEAD.get(answer.language, "")


def no_section(ref: str, article: Article) -> str:
    """What a reference to a section the article does not have gets (plain text)."""
    first, last = article.span
    return NO_SECTION.format(ref=shorten(ref.strip(), 20), first=first, last=last)


def section_done(article: Article, number: int) -> str:
    """What "more" says once every passage of section `number` has been shown."""
    after = article.section_after(number)
    then = NEXT_SECTION.format(number=after.number) if after else ARTICLE_END
    return SECTION_DONE.format(number=number) + then


def empty_ask(examples: tuple[str, ...]) -> str:
    return EMPTY_ASK.format(example=examples[0] if examples else DEFAULT_EXAMPLE)
