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
    ("privacy", "記録されること"),
    ("forget", "自分の質問と評価の記録を消す"),
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
    "/privacy — 記録されること / /forget — 自分の記録を消す",
)
HELP_FOLLOW_UP = (
    "答えに返信して「もっと詳しく」「それはなぜ?」と聞くと、その答えの続きとして答えます。"
    "質問を編集すると、編集後の質問にあらためて答えます。"
)

# /privacy and /forget, in the language of the user's Telegram client.
PRIVACY = {
    "ja": "このボットは、質問の文面、答えの結果(答えた章)、👍/👎 の評価を記録し、"
    "{days}日後に消します。名前やユーザーIDは残さず、あなたは復元できない符号で表されます。"
    "/forget で、あなたの質問と評価の記録をすぐに消せます。",
    "en": "This bot records the text of your questions, how they were answered (the sections "
    "shown) and your 👍/👎 votes, and deletes them after {days} days. No name or user id is "
    "kept: you are a code that cannot be turned back into your id. /forget deletes your "
    "questions and votes now.",
    "zh": "本机器人会记录问题的内容、回答的结果（显示的章节）和 👍/👎 评价，并在 {days} 天后删除。"
    "不保存姓名或用户 ID，你只以一个无法还原的代码表示。/forget 可立即删除你的问题和评价。",
}
PRIVACY_OFF = {
    "ja": "このボットは質問も評価も記録していません。",
    "en": "This bot keeps no record of questions or votes.",
    "zh": "本机器人不记录任何问题或评价。",
}
FORGOTTEN = {
    "ja": "あなたの質問 {questions} 件と評価 {votes} 件の記録を消しました。",
    "en": "Deleted your {questions} question(s) and {votes} vote(s) from the record.",
    "zh": "已删除你的 {questions} 个问题和 {votes} 个评价的记录。",
}
FORGET_OFF = {
    "ja": "このボットは何も記録していないので、消すものはありません。",
    "en": "This bot keeps no record, so there is nothing to delete.",
    "zh": "本机器人不做任何记录，没有可删除的内容。",
}
FORGET_LATER = {
    "ja": "記録がいま使用中です。あなたの記録は空きしだい消します。",
    "en": "The record is busy right now: your questions and votes will be deleted once it frees.",
    "zh": "记录暂时被占用：空闲后会删除你的问题和评价。",
}

# By the question's language.
NO_ANSWER = {
    "ja": "この記事には、その質問に答える箇所が見つかりませんでした。",
    "en": "The article has no passage that answers this question.",
    "zh-hans": "这篇文章里没有回答这个问题的段落。",
    "zh-hant": "這篇文章裡沒有回答這個問題的段落。",
}
UNSURE = {
    "ja": "確かではありませんが、いちばん近いのはこの箇所です。",
    "en": "I am not sure, but these passages of the (Japanese) article come closest.",
    "zh-hans": "不太确定，以下是文章（日文）中最接近的段落。",
    "zh-hant": "不太確定，以下是文章（日文）中最接近的段落。",
}
TRANSLATED_LEAD = {
    "ja": "",
    "en": "From the article (translated from Japanese):",
    "zh-hans": "文章内容（译自日文）：",
    "zh-hant": "文章內容（譯自日文）：",
}
FOREIGN_LEAD = {
    "en": "From the (Japanese) article:",
    "zh-hans": "文章（日文）中的相关段落：",
    "zh-hant": "文章（日文）中的相關段落：",
}
SECTIONS_HINT = {
    "ja": "/sections で章の一覧を見られます。",
    "en": "/sections lists the article's sections.",
    "zh-hans": "/sections 可以查看章节列表。",
    "zh-hant": "/sections 可以查看章節列表。",
}
ASK_HINT = {  # how to see the sections from `interview-bot ask`
    "ja": "interview-bot sections で章の一覧を見られます。",
    "en": "interview-bot sections lists the article's sections.",
    "zh-hans": "interview-bot sections 可以查看章节列表。",
    "zh-hant": "interview-bot sections 可以查看章節列表。",
}
READ_SECTION = {
    "ja": "§{number} を全文で読む",
    "en": "Read §{number}",
    "zh-hans": "阅读 §{number} 全文",
    "zh-hant": "閱讀 §{number} 全文",
}
MORE_CANDIDATES = {
    "ja": "ほかの候補",
    "en": "Other passages",
    "zh-hans": "其他段落",
    "zh-hant": "其他段落",
}
# What chat gets (greetings, questions about the bot; thanks), and a request for something
# other than an answer from the article: what the bot does, and questions to try.
CHAT_HELLO = {
    "ja": "こんにちは。記事「{title}」について、質問に記事の該当箇所を引用して答えるボットです。",
    "en": "Hello! I answer questions about the article “{title}” by quoting the passages that "
    "answer them.",
    "zh-hans": "你好！我会引用文章《{title}》中的相关段落来回答关于它的问题。",
    "zh-hant": "你好！我會引用文章《{title}》中的相關段落來回答關於它的問題。",
}
CHAT_THANKS = {
    "ja": "どういたしまして。ほかにも記事について気になることがあれば、どうぞ。",
    "en": "You're welcome! Ask me anything else about the article.",
    "zh-hans": "不客气！关于这篇文章还有什么想问的，尽管问。",
    "zh-hant": "不客氣！關於這篇文章還有什麼想問的，儘管問。",
}
REQUEST = {
    "ja": "それはできません。このボットは記事「{title}」についての質問に、"
    "記事の該当箇所を引用して答えます。",
    "en": "I can't do that: I only answer questions about the article “{title}”, by quoting "
    "the passages that answer them.",
    "zh-hans": "这个我做不到：我只回答关于文章《{title}》的问题，并引用文章中的相关段落。",
    "zh-hant": "這個我做不到：我只回答關於文章《{title}》的問題，並引用文章中的相關段落。",
}
INLINE_INTO_BOT = {  # an inline query the article does not answer: a button into the bot
    "ja": "記事にその答えはありません。ボットで質問する",
    "en": "The article does not say. Ask the bot",
    "zh-hans": "文章里没有答案。去问机器人",
    "zh-hant": "文章裡沒有答案。去問機器人",
}
TRY_ASKING = {
    "ja": "たとえば:",
    "en": "For example:",
    "zh-hans": "比如：",
    "zh-hant": "比如：",
}
# Example questions for readers of other languages (the article's own are Japanese).
EXAMPLES = {
    "en": (
        "When will robots beat the best surgeons?",
        "Should I still save for retirement?",
        "Whose jobs will AI take first?",
    ),
    "zh-hans": ("机器人什么时候会超过外科医生？", "还需要存养老钱吗？", "AI 最先取代谁的工作？"),
    "zh-hant": ("機器人什麼時候會超過外科醫生？", "還需要存退休金嗎？", "AI 最先取代誰的工作？"),
}

# The command line's errors (one line each, exit code 2).
CLI_NO_SECTION = "no section {ref!r}: sections are numbered {first}–{last}"
CLI_BATCH_ALONE = "'-' reads the questions from standard input: give no other question"
CLI_EMPTY_QUESTION = "empty question: ask QUESTION, or ask - to read questions from stdin"
CLI_TOP = "--top must be at least 1"
CLI_NO_LOG = "no question log: name one, or set INTERVIEW_BOT_LOG"
CLI_SINCE = "--since must be a day as YYYY-MM-DD, not {since!r}"
CLI_EXPORTED = "wrote {count} questions to {path}"
CLI_SKIPPED = "skipped {count} rows that cannot be read (not UTF-8, or not what the bot writes)"

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


def other_reply(
    kind: str, language: str, title: str, examples: tuple[str, ...], thanks: bool
) -> str:
    """What chat (`thanks`: a thank-you) and a request get: a line on what the bot does, and
    example questions to try (in the message's language where there are some)."""
    if kind == "chat" and thanks:
        return said(CHAT_THANKS, language)
    opening = said(REQUEST if kind == "request" else CHAT_HELLO, language).format(title=title)
    tries = EXAMPLES.get(language, examples)[:3]
    lines = [opening, said(TRY_ASKING, language), *(f"・{q}" for q in tries)]
    return "\n".join(lines)


def label(number: int, title: str = "") -> str:
    """`§N title`, as every reply names a section."""
    return f"§{number} {title}" if title else f"§{number}"


def answer_note(answer: Answer, translated: bool) -> str:
    """What stands before an answer: that it is not sure; else, for a reader of another
    language, that what follows is the article translated (`translated`) or the Japanese
    article's; else nothing."""
    if answer.confidence == "low":
        return said(UNSURE, answer.language)
    if translated:
        return said(TRANSLATED_LEAD, answer.language)
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
