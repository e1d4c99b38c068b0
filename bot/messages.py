"""Everything the bot and the console say to a user, in one place: each sentence a dict of the
same words in Japanese ("ja"), English ("en"), simplified ("zh-hans") and traditional Chinese
("zh-hant", as written in Taiwan), read with said(words, language); which language a reply is
in is bot.language's to decide. The command line's own errors (CLI_*) are English, as its
--help is."""

from __future__ import annotations

from collections.abc import Sequence

from index.article import Article
from index.search import Answer
from index.text import LANGUAGES, shorten

Words = dict[str, str]  # one sentence in "ja", "en", "zh-hans" and "zh-hant"

UNKNOWN_COMMAND = {
    "ja": "知らないコマンドです。/help で使い方を表示します。",
    "en": "I don't know that command. /help shows what I can do.",
    "zh-hans": "不认识这个命令。/help 可以查看用法。",
    "zh-hant": "不認得這個指令。/help 可以查看用法。",
}
EMPTY_ASK = {
    "ja": "/ask のあとに質問を書いてください。例: /ask {example}",
    "en": "Write your question after /ask, for example: /ask {example}",
    "zh-hans": "请在 /ask 后面写上问题，例如：/ask {example}",
    "zh-hant": "請在 /ask 後面寫上問題，例如：/ask {example}",
}
DEFAULT_EXAMPLE = {
    "ja": "この記事の要点は?",
    "en": "What is the article's main point?",
    "zh-hans": "这篇文章的要点是什么？",
    "zh-hant": "這篇文章的重點是什麼？",
}
SECTION_DONE = {
    "ja": "§{number} の箇所はこれで全部です。",
    "en": "That is all of §{number}. ",
    "zh-hans": "§{number} 的段落已经全部显示。",
    "zh-hant": "§{number} 的段落已經全部顯示。",
}
MORE_FROM = {  # after SECTION_DONE: "more" goes on in another section
    "ja": "この質問について、§{number} から:",
    "en": "On your question, from §{number}:",
    "zh-hans": "关于这个问题，以下来自 §{number}：",
    "zh-hant": "關於這個問題，以下來自 §{number}：",
}
MORE_DONE = {
    "ja": "この質問に関わる箇所({sections})は、これで全部です。",
    "en": "That is every passage on this question ({sections}).",
    "zh-hans": "与这个问题有关的段落（{sections}）已经全部显示。",
    "zh-hant": "與這個問題有關的段落（{sections}）已經全部顯示。",
}
NEXT_SECTION = {
    "ja": "続きは次の章で: /section {number}",
    "en": "Read on in the next section: /section {number}",
    "zh-hans": "下一章接着读：/section {number}",
    "zh-hant": "下一章接著讀：/section {number}",
}
ARTICLE_END = {
    "ja": "記事はここで終わりです。",
    "en": "This is where the article ends.",
    "zh-hans": "文章到此结束。",
    "zh-hant": "文章到此結束。",
}
NO_SECTION = {
    "ja": "「{ref}」という章はありません。章の番号は {first}〜{last} です(例: /section 5)。",
    "en": "There is no section “{ref}”: sections are numbered {first} to {last} "
    "(for example /section 5).",
    "zh-hans": "没有“{ref}”这一章。章节编号为 {first}～{last}（例如 /section 5）。",
    "zh-hant": "沒有「{ref}」這一章。章節編號為 {first}～{last}（例如 /section 5）。",
}
NOT_TEXT = {
    "ja": "文字で質問してください。/help で使い方を表示します。",
    "en": "Please ask in text. /help shows what I can do.",
    "zh-hans": "请用文字提问。/help 可以查看用法。",
    "zh-hant": "請用文字提問。/help 可以查看用法。",
}
STALE_BUTTON = {
    "ja": "このボタンは古くなっています。/sections から開き直してください。",
    "en": "This button is out of date. Open the article again from /sections.",
    "zh-hans": "这个按钮已经失效，请从 /sections 重新打开。",
    "zh-hant": "這個按鈕已經失效，請從 /sections 重新開啟。",
}
APOLOGY = {
    "ja": "すみません、処理中にエラーが起きました。もう一度お試しください。",
    "en": "Sorry, something went wrong. Please try again.",
    "zh-hans": "抱歉，处理时出错了，请再试一次。",
    "zh-hant": "抱歉，處理時發生錯誤，請再試一次。",
}
TOO_MANY = {
    "ja": "質問が続いています。{seconds}秒後に、もう一度どうぞ。",
    "en": "That is a lot of questions at once. Please ask again in {seconds} seconds.",
    "zh-hans": "提问太频繁了，请 {seconds} 秒后再问。",
    "zh-hant": "提問太頻繁了，請 {seconds} 秒後再問。",
}
TOO_FAST = {
    "ja": "操作が続いています。少し待ってからどうぞ。",
    "en": "Too many taps at once: please wait a moment.",
    "zh-hans": "操作太频繁了，请稍等一下。",
    "zh-hant": "操作太頻繁了，請稍等一下。",
}
SECTIONS = {
    "ja": "章の一覧",
    "en": "Sections",
    "zh-hans": "章节列表",
    "zh-hant": "章節列表",
}
EMPTY_SECTION = {
    "ja": "(本文なし)",
    "en": "(no text)",
    "zh-hans": "（无正文）",
    "zh-hant": "（無內文）",
}
READ_NEXT = {
    "ja": "{label} を読む ▶",
    "en": "Read {label} ▶",
    "zh-hans": "阅读 {label} ▶",
    "zh-hant": "閱讀 {label} ▶",
}
SHARE_SECTION = {  # the button under a section page: a link that opens it in the bot
    "ja": "🔗 §{number} へのリンクを送る",
    "en": "🔗 Share a link to §{number}",
    "zh-hans": "🔗 分享 §{number} 的链接",
    "zh-hant": "🔗 分享 §{number} 的連結",
}
BATCH_QUESTION = {
    "ja": "質問: {question}",
    "en": "Question: {question}",
    "zh-hans": "问题：{question}",
    "zh-hant": "問題：{question}",
}
VOTES = (("👍", "+"), ("👎", "-"))  # the buttons under an answer when the question log is on
VOTED = "✓"  # beside the vote chosen, in a private chat
THANKS = {
    "ja": "ありがとうございます。今後の改善に使います。",
    "en": "Thank you! Your vote helps improve the bot.",
    "zh-hans": "谢谢！你的评价会用来改进机器人。",
    "zh-hant": "謝謝！你的評價會用來改善機器人。",
}
HELP_LOGGED = {
    "ja": "質問と答えの評価は、ボットの改善のために記録されます(名前やIDは残りません)。",
    "en": "Questions and votes on answers are recorded to improve the bot (no names or ids "
    "are kept).",
    "zh-hans": "问题和对回答的评价会被记录下来，用于改进机器人（不保存姓名或 ID）。",
    "zh-hant": "問題和對回答的評價會被記錄下來，用來改善機器人（不保存姓名或 ID）。",
}

# The command menu Telegram shows (setMyCommands, per language; groups get GROUP_COMMANDS).
COMMANDS = {
    "ja": (
        ("ask", "記事に質問する"),
        ("section", "章を読む(例: /section 5)"),
        ("sections", "章の一覧"),
        ("help", "使い方と出典"),
        ("language", "表示する言語を選ぶ"),
        ("privacy", "記録されること"),
        ("forget", "自分の質問と評価の記録を消す"),
    ),
    "en": (
        ("ask", "Ask the article a question"),
        ("section", "Read a section (e.g. /section 5)"),
        ("sections", "List the sections"),
        ("help", "How to use the bot, and the source"),
        ("language", "Choose the bot's language"),
        ("privacy", "What is recorded"),
        ("forget", "Delete my questions and votes"),
    ),
    "zh-hans": (
        ("ask", "向文章提问"),
        ("section", "阅读某一章（例如 /section 5）"),
        ("sections", "章节列表"),
        ("help", "用法和出处"),
        ("language", "选择机器人的语言"),
        ("privacy", "会记录什么"),
        ("forget", "删除我的问题和评价"),
    ),
    "zh-hant": (
        ("ask", "向文章提問"),
        ("section", "閱讀某一章（例如 /section 5）"),
        ("sections", "章節列表"),
        ("help", "用法和出處"),
        ("language", "選擇機器人的語言"),
        ("privacy", "會記錄什麼"),
        ("forget", "刪除我的問題和評價"),
    ),
}
GROUP_COMMANDS = ("ask", "section", "sections", "help")  # the shorter menu of groups
CHAT_HELP = {  # the console's help (`interview-bot chat`)
    "ja": """質問をそのまま入力すると、記事の該当箇所を引用して答えます。
答えのあとに「もっと詳しく」「それはなぜ?」と続けて聞くこともできます。
  /section N   第N章を表示 ({first}〜{last}。§N だけでも)
  /sections    章の一覧
  /ask 質問    質問する(/ask なしでも同じ)
  /help        このヘルプ
  /quit        終了""",
    "en": """Type a question and I answer by quoting the passages of the article that answer it.
After an answer you can follow up with "tell me more" or "why?".
  /section N   show section N ({first} to {last}; §N alone works too)
  /sections    list the sections
  /ask TEXT    ask a question (the same without /ask)
  /help        this help
  /quit        quit""",
    "zh-hans": """直接输入问题，我会引用文章中相关的段落来回答。
回答之后还可以接着问“详细一点”或“为什么？”。
  /section N   显示第 N 章（{first}～{last}，只输入 §N 也可以）
  /sections    章节列表
  /ask 问题    提问（不加 /ask 也一样）
  /help        本说明
  /quit        退出""",
    "zh-hant": """直接輸入問題，我會引用文章中相關的段落來回答。
回答之後還可以接著問「詳細一點」或「為什麼？」。
  /section N   顯示第 N 章（{first}～{last}，只輸入 §N 也可以）
  /sections    章節列表
  /ask 問題    提問（不加 /ask 也一樣）
  /help        本說明
  /quit        離開""",
}

# /start, /help and the empty chat's descriptions in Telegram (render sets them in HTML).
HELP_NAME = {
    "ja": "記事Q&Aボット",
    "en": "Article Q&A bot",
    "zh-hans": "文章问答机器人",
    "zh-hant": "文章問答機器人",
}
HELP_INTRO = {
    "ja": "記事「{title}」について、質問に記事の該当箇所を引用して答えます。"
    "引用はすべて記事の原文で、§N は章の番号です。",
    "en": "I answer questions about the article “{title}” by quoting the passages that answer "
    "them. Every quote is the article's own (Japanese) text; §N is a section's number.",
    "zh-hans": "我会引用文章《{title}》中的相关段落来回答关于它的问题。"
    "引用的都是文章（日文）原文，§N 是章节编号。",
    "zh-hant": "我會引用文章《{title}》中的相關段落來回答關於它的問題。"
    "引用的都是文章（日文）原文，§N 是章節編號。",
}
WELCOME = {  # /start in a private chat: a few phone lines, then example questions as buttons
    "ja": "記事「{title}」について、原文を引用して答えます。"
    "下の質問を押すか、自由に質問してください。",
    "en": "I answer questions about the article “{title}” by quoting it. Tap a question "
    "below, or ask your own.",
    "zh-hans": "我会引用原文，回答关于文章《{title}》的问题。点下面的问题，或者直接提问。",
    "zh-hant": "我會引用原文，回答關於文章《{title}》的問題。點下面的問題，或直接提問。",
}
GROUP_START = {  # /start and /help in a group: a line, and a button into the private chat
    "ja": "記事の原文で質問に答えます。ここでは /ask か @{username} でどうぞ。",
    "en": "I answer from the article. Here, use /ask or @{username}.",
    "zh-hans": "我引用文章原文回答问题。在群组里请用 /ask 或 @{username}。",
    "zh-hant": "我引用文章原文回答問題。在群組裡請用 /ask 或 @{username}。",
}
OPEN_PRIVATE = {
    "ja": "個別チャットで使い方を見る",
    "en": "Open the help in a private chat",
    "zh-hans": "在私聊中查看用法",
    "zh-hant": "在私訊中查看用法",
}
DESCRIPTION = {  # setMyDescription: what an empty chat with the bot shows (≤ 512 characters)
    "ja": "記事「{title}」について質問すると、記事の原文から答えの箇所を引用して答えます。"
    "日本語、英語、中国語で質問できます。「開始」を押すと、質問の例が出ます。",
    "en": "Ask about the article “{title}” and I answer by quoting the passages of the "
    "article that answer you, word for word. Ask in English, Japanese or Chinese. Tap Start "
    "for example questions.",
    "zh-hans": "提出关于文章《{title}》的问题，我会逐字引用文章中回答它的段落。"
    "可以用中文、英文或日文提问。点“开始”查看示例问题。",
    "zh-hant": "提出關於文章《{title}》的問題，我會逐字引用文章中回答它的段落。"
    "可以用中文、英文或日文提問。點「開始」查看範例問題。",
}
SHORT_DESCRIPTION = {  # setMyShortDescription: the bot's profile (≤ 120 characters)
    "ja": "記事の原文を引用して質問に答えるボット",
    "en": "Answers questions about one article by quoting it",
    "zh-hans": "引用原文回答关于一篇文章的问题",
    "zh-hant": "引用原文回答關於一篇文章的問題",
}
HELP_TOPICS = {
    "ja": "内容: {topics}",
    "en": "Topics: {topics}",
    "zh-hans": "内容：{topics}",
    "zh-hant": "內容：{topics}",
}
HELP_SOURCE = {
    "ja": "出典: {source}",
    "en": "Source: {source}",
    "zh-hans": "出处：{source}",
    "zh-hant": "出處：{source}",
}
HELP_EXAMPLES = {
    "ja": "質問の例",
    "en": "Questions to try",
    "zh-hans": "示例问题",
    "zh-hant": "範例問題",
}
HELP_EXAMPLE = {
    "ja": "・{question}",
    "en": "• {question}",
    "zh-hans": "• {question}",
    "zh-hant": "• {question}",
}
HELP_SECTIONS = {
    "ja": "章",
    "en": "Sections",
    "zh-hans": "章节",
    "zh-hant": "章節",
}
HELP_COMMANDS = {
    "ja": "コマンド",
    "en": "Commands",
    "zh-hans": "命令",
    "zh-hant": "指令",
}
HELP_COMMAND_LINES = {
    "ja": (
        "/ask 質問 — 記事に質問する(グループではこちらか、@{username} をつけて)",
        "/section N — 第N章を読む({first}〜{last})",
        "/sections — 章の一覧",
        "/language — 表示する言語を選ぶ",
        "/help — この説明",
        "/privacy — 記録されること / /forget — 自分の記録を消す",
    ),
    "en": (
        "/ask QUESTION — ask the article (in groups, this or a mention of @{username})",
        "/section N — read section N ({first} to {last})",
        "/sections — list the sections",
        "/language — choose the bot's language",
        "/help — this help",
        "/privacy — what is recorded / /forget — delete your record",
    ),
    "zh-hans": (
        "/ask 问题 — 向文章提问（在群组里用这个，或 @{username}）",
        "/section N — 阅读第 N 章（{first}～{last}）",
        "/sections — 章节列表",
        "/language — 选择机器人的语言",
        "/help — 本说明",
        "/privacy — 会记录什么 / /forget — 删除你的记录",
    ),
    "zh-hant": (
        "/ask 問題 — 向文章提問（在群組裡用這個，或 @{username}）",
        "/section N — 閱讀第 N 章（{first}～{last}）",
        "/sections — 章節列表",
        "/language — 選擇機器人的語言",
        "/help — 本說明",
        "/privacy — 會記錄什麼 / /forget — 刪除你的記錄",
    ),
}
HELP_FOLLOW_UP = {
    "ja": "答えに返信して「もっと詳しく」「それはなぜ?」と聞くと、その答えの続きとして答えます。"
    "質問を編集すると、その答えを編集後の質問への答えに書き換えます。",
    "en": "Reply to an answer with “tell me more” or “why?” to follow up on it. Edit your "
    "question and I rewrite my answer to it.",
    "zh-hans": "回复某个回答并问“详细一点”或“为什么？”，我会接着那个回答来答。"
    "编辑你的问题，我会改写对它的回答。",
    "zh-hant": "回覆某個回答並問「詳細一點」或「為什麼？」，我會接著那個回答來答。"
    "編輯你的問題，我會改寫對它的回答。",
}
LANGUAGE_NAMES = {  # each language in its own words: the buttons of /language
    "ja": "日本語",
    "en": "English",
    "zh-hans": "简体中文",
    "zh-hant": "繁體中文",
}
LANGUAGE_PROMPT = {
    "ja": "ボットが話す言語を選んでください(質問の言語が優先されます)。",
    "en": "Choose the language the bot speaks (a question's own language comes first).",
    "zh-hans": "请选择机器人使用的语言（以提问所用的语言为优先）。",
    "zh-hant": "請選擇機器人使用的語言（以提問所用的語言為優先）。",
}
LANGUAGE_SET = {
    "ja": "これからは日本語で話します。",
    "en": "I will speak English from now on.",
    "zh-hans": "之后我会用简体中文。",
    "zh-hant": "之後我會用繁體中文。",
}

# /privacy and /forget, in the language of the user's Telegram client.
PRIVACY = {
    "ja": "このボットは、質問の文面、答えの結果(答えた章)、👍/👎 の評価を記録し、"
    "{days}日後に消します。名前やユーザーIDは残さず、あなたは復元できない符号で表されます。"
    "/forget で、あなたの質問と評価の記録をすぐに消せます。",
    "en": "This bot records the text of your questions, how they were answered (the sections "
    "shown) and your 👍/👎 votes, and deletes them after {days} days. No name or user id is "
    "kept: you are a code that cannot be turned back into your id. /forget deletes your "
    "questions and votes now.",
    "zh-hans": "本机器人会记录问题的内容、回答的结果（显示的章节）和 👍/👎 评价，"
    "并在 {days} 天后删除。"
    "不保存姓名或用户 ID，你只以一个无法还原的代码表示。/forget 可立即删除你的问题和评价。",
    "zh-hant": "本機器人會記錄問題的內容、回答的結果（顯示的章節）和 👍/👎 評價，"
    "並在 {days} 天後刪除。"
    "不保存姓名或使用者 ID，你只以一個無法還原的代碼表示。/forget 可立即刪除你的問題和評價。",
}
PRIVACY_OFF = {
    "ja": "このボットは質問も評価も記録していません。",
    "en": "This bot keeps no record of questions or votes.",
    "zh-hans": "本机器人不记录任何问题或评价。",
    "zh-hant": "本機器人不記錄任何問題或評價。",
}
FORGOTTEN = {
    "ja": "あなたの質問 {questions} 件と評価 {votes} 件の記録を消しました。",
    "en": "Deleted your {questions} question(s) and {votes} vote(s) from the record.",
    "zh-hans": "已删除你的 {questions} 个问题和 {votes} 个评价的记录。",
    "zh-hant": "已刪除你的 {questions} 個問題和 {votes} 個評價的記錄。",
}
FORGET_OFF = {
    "ja": "このボットは何も記録していないので、消すものはありません。",
    "en": "This bot keeps no record, so there is nothing to delete.",
    "zh-hans": "本机器人不做任何记录，没有可删除的内容。",
    "zh-hant": "本機器人不做任何記錄，沒有可刪除的內容。",
}
FORGET_LATER = {
    "ja": "記録がいま使用中です。あなたの記録は空きしだい消します。",
    "en": "The record is busy right now: your questions and votes will be deleted once it frees.",
    "zh-hans": "记录暂时被占用：空闲后会删除你的问题和评价。",
    "zh-hant": "記錄暫時被占用：空閒後會刪除你的問題和評價。",
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
TRANSLATED_LEAD = {  # (nothing before a Japanese answer's quotes)
    "ja": "",
    "en": "From the article (translated from Japanese):",
    "zh-hans": "文章内容（译自日文）：",
    "zh-hant": "文章內容（譯自日文）：",
}
TRANSLATED_SECTION = {  # under a section's title, for a reader of its translation
    "ja": "",
    "en": "The article's text, translated from Japanese (the original is folded at the end).",
    "zh-hans": "文章内容，译自日文（原文折叠在末尾）。",
    "zh-hant": "文章內容，譯自日文（原文摺疊在末尾）。",
}
FOREIGN_LEAD = {  # (nothing before a Japanese answer's quotes)
    "ja": "",
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
# A request to translate an answer or a section: the article is shown in its original and the
# translations that ship with it, never translated at run time.
TRANSLATE_ONLY = {
    "ja": "記事を表示できるのは{languages}だけです。その場で翻訳することはしません。",
    "en": "I can show the article only in {languages}, and never translate on the spot.",
    "zh-hans": "文章只能用{languages}显示，我不会当场翻译。",
    "zh-hant": "文章只能用{languages}顯示，我不會當場翻譯。",
}
NOTHING_TO_TRANSLATE = {
    "ja": "まだ訳すものがありません。質問するか章を開いて(例: /section 5)から頼んでいただければ、"
    "{language}で表示します。",
    "en": "There is nothing to translate yet: ask a question or open a section (for example "
    "/section 5), then ask again, and I show it in {language}.",
    "zh-hans": "还没有可以翻译的内容：请先提问或打开一章（例如 /section 5），再让我翻译，"
    "我会用{language}显示。",
    "zh-hant": "還沒有可以翻譯的內容：請先提問或打開一章（例如 /section 5），再讓我翻譯，"
    "我會用{language}顯示。",
}
LANGUAGES_NAMED = {  # the languages of index.text.LANGUAGES, in each reader's words
    "ja": ("日本語(原文)", "英語", "中国語(簡体字)", "中国語(繁体字)"),
    "en": ("Japanese (the original)", "English", "simplified Chinese", "traditional Chinese"),
    "zh-hans": ("日文（原文）", "英文", "简体中文", "繁体中文"),
    "zh-hant": ("日文（原文）", "英文", "簡體中文", "繁體中文"),
}
LIST_JOIN = {"ja": "、", "en": ", ", "zh-hans": "、", "zh-hant": "、"}
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
    "zh-hant": "例如：",
}
# Example questions for readers of other languages (the article's own are Japanese).
# They stand for the bundled article's own (index/data/musk-interview.ja.json), in its order:
# another article's examples are shown as they are, in every language.
EXAMPLES = {
    "ja": (
        "ロボットが外科医を超えるのはいつ?",
        "老後のためにお金を貯めておくべき?",
        "AIに最初に仕事を奪われるのは誰?",
        "将来の世界の通貨は何になる?",
    ),
    "en": (
        "When will robots beat the best surgeons?",
        "Should I still save for retirement?",
        "Whose jobs will AI take first?",
        "What will the world's currency be?",
    ),
    "zh-hans": (
        "机器人什么时候会超过外科医生？",
        "还需要存养老钱吗？",
        "AI 最先取代谁的工作？",
        "未来世界的货币会是什么？",
    ),
    "zh-hant": (
        "機器人什麼時候會超過外科醫生？",
        "還需要存退休金嗎？",
        "AI 最先取代誰的工作？",
        "未來世界的貨幣會是什麼？",
    ),
}

# The bundled article's source and topics (index/data/musk-interview.ja.json) in each
# language, names as docs/translations/glossary.json spells them; another article's are shown
# as they are.
ABOUT_SOURCE = {
    "ja": "TechFlow(劉潤による要約。ポッドキャスト「Moonshots」で、ピーター・ダイアマンディス氏と"
    "デイブ・ブレンディン氏が聞き手を務めた3時間のインタビュー)",
    "en": "TechFlow (Liu Run's summary of a three-hour interview on the podcast “Moonshots”, "
    "hosted by Peter Diamandis and Dave Blundin)",
    "zh-hans": "TechFlow（刘润的摘要。播客《Moonshots》中由彼得·戴曼迪斯和戴夫·布伦丁主持的"
    "三小时访谈）",
    "zh-hant": "TechFlow（劉潤的摘要。Podcast《Moonshots》中由彼得·戴曼迪斯和戴夫·布倫丁主持的"
    "三小時訪談）",
}
ABOUT_TOPICS = {
    "ja": "イーロン・マスク氏が今後3〜7年について語ったこと(AI、仕事、教育、ロボット、エネルギー、"
    "宇宙、中国)",
    "en": "What Elon Musk said about the next 3–7 years (AI, jobs, education, robots, energy, "
    "space, China)",
    "zh-hans": "埃隆·马斯克谈未来 3～7 年（AI、工作、教育、机器人、能源、太空、中国）",
    "zh-hant": "伊隆·馬斯克談未來 3～7 年（AI、工作、教育、機器人、能源、太空、中國）",
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


def examples(language: str, own: tuple[str, ...]) -> tuple[str, ...]:
    """Example questions in `language`: the bundled article's in that language (EXAMPLES),
    or another article's `own` (Japanese) ones as they are."""
    if own and own == EXAMPLES["ja"][: len(own)]:
        return EXAMPLES.get(language, own)[: len(own)]
    return own


def bundled(words: dict[str, str], own: str, language: str) -> str:
    """`words` in `language` where the article's `own` text is the bundled article's (`words`
    in Japanese), else `own` as it is."""
    return said(words, language) if own == words["ja"] else own


def commands(language: str, group: bool = False) -> tuple[tuple[str, str], ...]:
    """The command menu in `language`: (command, description) pairs; groups get fewer."""
    menu = COMMANDS.get(language, COMMANDS["ja"])
    return tuple(pair for pair in menu if not group or pair[0] in GROUP_COMMANDS)


def other_reply(kind: str, language: str, title: str, own: tuple[str, ...], thanks: bool) -> str:
    """What chat (`thanks`: a thank-you) and a request get: a line on what the bot does, and
    example questions to try (in the message's language where there are some)."""
    if kind == "chat" and thanks:
        return said(CHAT_THANKS, language)
    opening = said(REQUEST if kind == "request" else CHAT_HELLO, language).format(title=title)
    tries = examples(language, own or EXAMPLES["ja"])[:3]
    example = said(HELP_EXAMPLE, language)
    lines = [opening, said(TRY_ASKING, language), *(example.format(question=q) for q in tries)]
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


def language_name(language: str, reader: str) -> str:
    """The name of `language` (one of index.text.LANGUAGES) in the `reader`'s language."""
    return LANGUAGES_NAMED.get(reader, LANGUAGES_NAMED["ja"])[LANGUAGES.index(language)]


def translate_only(languages: tuple[str, ...], reader: str) -> str:
    """What a request to translate into a language the article is not shown in gets."""
    names = said(LIST_JOIN, reader).join(language_name(lang, reader) for lang in languages)
    return said(TRANSLATE_ONLY, reader).format(languages=names)


def nothing_to_translate(language: str, reader: str) -> str:
    """What a request to translate gets before anything was shown."""
    return said(NOTHING_TO_TRANSLATE, reader).format(language=language_name(language, reader))


def no_section(ref: str, article: Article, language: str = "ja") -> str:
    """What a reference to a section the article does not have gets (plain text)."""
    first, last = article.span
    words = said(NO_SECTION, language)
    return words.format(ref=shorten(ref.strip(), 20), first=first, last=last)


def more_from(done: int, number: int, language: str = "ja") -> str:
    """What stands over "more"'s passages from section `number` once section `done` has no
    more."""
    return said(SECTION_DONE, language).format(number=done) + said(MORE_FROM, language).format(
        number=number
    )


def more_done(sections: Sequence[int], language: str = "ja") -> str:
    """What "more" says once every passage of the question's `sections` has been shown."""
    return said(MORE_DONE, language).format(sections=", ".join(map(label, sections)))


def read_on(article: Article, number: int, language: str = "ja") -> str:
    """Where to read on after section `number`, as a command (the console has no buttons)."""
    after = article.section_after(number)
    if after is None:
        return said(ARTICLE_END, language)
    return said(NEXT_SECTION, language).format(number=after.number)


def empty_ask(own: tuple[str, ...], language: str = "ja") -> str:
    tries = examples(language, own)
    example = tries[0] if tries else said(DEFAULT_EXAMPLE, language)
    return said(EMPTY_ASK, language).format(example=example)
