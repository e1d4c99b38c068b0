"""What a message wants, by rules that hold for any article, in Japanese, English and Chinese:
to see a section (by number or position in everyday words), to chat (greetings, thanks, about
the bot), something other than an answer from the article (a request: translate, write,
search, the news), or else an answer from the article; and, for a request to translate (or a
section asked for in a language), the language it names. The one place where this is decided
from a message's words (index.hybrid adds what the memory of labelled messages says)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.text import language as text_language

ANSWER, CHAT, REQUEST, SECTION = "answer", "chat", "request", "section"
KINDS = (CHAT, REQUEST, SECTION)  # what a message may be labelled with besides a question

_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2, "兩": 2}
_WORDS = {
    w: i
    for i, words in enumerate(
        [
            "zero",
            "one first 1st",
            "two second 2nd",
            "three third 3rd",
            "four fourth 4th",
            "five fifth 5th",
            "six sixth 6th",
            "seven seventh 7th",
            "eight eighth 8th",
            "nine ninth 9th",
            "ten tenth 10th",
            "eleven eleventh 11th",
            "twelve twelfth 12th",
        ]
    )
    for w in words.split()
}
_NUMBER = (
    r"(\d{1,3}|[〇零一二两兩三四五六七八九十]{1,3}|" + "|".join(sorted(_WORDS, key=len)[::-1]) + ")"
)
# A section named by number: 第5章, 5章, 五章目, 第5節, 第5节, chapter 5, section five, part 3,
# the 5th chapter, 2つ目の章, 二番目の章.
_BY_NUMBER = re.compile(
    rf"第?\s*{_NUMBER}\s*(?:つ目の|番目の|の|个|個)?\s*(?:章|節|节|セクション|部分|部)目?"
    rf"|(?:chapter|section|part|chap\.?|sec\.?|ch\.?)\s*(?:no\.?\s*)?{_NUMBER}\b"
    rf"|(?:the\s+)?{_NUMBER}\s+(?:chapter|section|part)\b"
    r"|だい\s*(\d{1,3})\s*しょう"
    rf"|{_NUMBER}\s*番目?の\s*(?:とこ|ところ)"
)
_LAST = re.compile(
    r"最後の(?:章|節|セクション|部分|とこ|ところ)|さいご\s*の\s*しょう|最終章|最后那?一?(?:章|节|部分|段)|最後那?一?(?:章|節|部分|段)|"
    r"「?最後に」?の(?:ところ|部分|章)|结尾|結尾|结语|結語|締めくくり"
    r"|(?:the\s+)?(?:last|final|closing)\s+(?:chapter|section|part)|conclusion"
)
_FIRST = re.compile(
    r"最初の(?:章|節|セクション)|(?:the\s+)?first\s+(?:chapter|section|part)"
    r"|第一(?:章|节|節)"
)
_INTRO = re.compile(
    r"前置き|前書き|導入部?分?|冒頭|リード(?:文)?|はじめに|前言|引言|导语|導語|开头|開頭|序言?"
    r"|(?:the\s+)?(?:intro(?:duction)?|lead-?in|opening)(?:\s+(?:part|section))?"
)
# Words that ask to be shown something (a section named with them asks to see it, whatever
# else the message says, unless it asks a question of its content: _CONTENT).
_SHOW = re.compile(
    r"見せ|みせ|表示|出して|だして|開いて|ひらいて|読みたい|読ませ|貼って|送って|全文|原文|"
    r"\b(?:show|pull\s+up|bring\s+up|open|display|paste|send|let\s+me\s+(?:see|read))\b|"
    r"看|打开|打開|显示|顯示|给我|給我|发我|發我|贴|貼|丟出來|丢出来|拿出来|拿出來|完整"
)
_CONTENT = re.compile(
    r"\b(?:what|why|how|when|where|who|which)\b|何|なに|なぜ|どう|いつ|どこ|誰|"
    r"什么|什麼|为什么|為什麼|怎么|怎麼|哪|谁|多少|咩|點解"
)
# Asks for a translation: a verb of translating (read only in a request, or around a section
# asked for: in a question, 「翻訳の仕事はどうなる?」, it is the topic).
_TRANSLATE = (
    r"翻訳|ほんやく|訳し|訳す|訳せ|英訳|和訳|中訳|translat\w*|翻[译譯][成为為]?|译成|譯成|译为|譯為|"
    r"翻成|翻做|譯做"
)
# A language named, by the language it is (OTHER: one the bot does not speak). "zh" is Chinese
# in the script of the message (simplified when the message is not Chinese). Longest first
# where one name holds another (繁體中文 before 中文).
OTHER = "other"
_NAMES = {
    "zh-hant": r"繁體中文|繁体中文|繁體字?|繁体字?|正體中文|\btraditional(?:\s+chinese)?\b",
    "zh-hans": r"简体中文|簡体中文|簡體中文|简体字?|簡体字?|簡體字?|\bsimplified(?:\s+chinese)?\b",
    "zh": r"中国語|中國語|中文|中国话|中國話|汉语|漢語|华语|華語|中訳|普通话|"
    r"\b(?:chinese|mandarin)\b",
    "en": r"英語|英文|英语|英訳|英译|英譯|\benglish\b",
    "ja": r"日本語|日文|日语|和訳|原文|\b(?:japanese|original)\b",
    OTHER: r"[ァ-ヴ][ァ-ヴー]+語|韓国語|朝鮮語|広東語|广东话|廣東話|"
    r"(?:法|德|西班牙|韩|韓|俄|意大利|義大利|葡萄牙|阿拉伯|泰|越南|印尼|荷兰|荷蘭|粤|粵)(?:语|語|文)|"
    r"\b(?:french|german|spanish|korean|russian|italian|portuguese|arabic|hindi|vietnamese|thai|"
    r"indonesian|dutch|polish|turkish|swedish|greek|hebrew|cantonese|klingon|latin)\b",
}
_NAMES_ALL = "|".join(_NAMES.values())
_NAMED = re.compile(
    "|".join(f"(?P<{key.replace('-', '_')}>{words})" for key, words in _NAMES.items())
)
# What may stand around a language named in a message that only asks for it: "in English
# please", 「英語で」, 用中文, 「日本語でお願い」, "show me the original".
_AROUND_LANGUAGE = re.compile(
    r"\s|[、。,.!?！？~〜:：「」()（）]|"
    r"\b(?:please|pls|in|into|to|can|could|you|show|it|that|this|me|the|version|text|again|"
    r"give|answer|reply|respond|say|speak|talk|write|tell|us)\b|で|に|を|お願い|おねがい|"
    r"します|して|ください|下さい|頼む|見せて|表示|答えて|返事|返信|話して|書いて|言って|教えて|"
    r"版|用|请|請|给我|給我|看|吧|呢|的|一下|可以|吗|嗎|回答|回覆|回复|答|说|說|讲|講|写|寫|告诉|告訴|我"
)
# What may stand around a section named, in a message that only asks to see it.
_AROUND_SECTION = re.compile(
    # (A language and a verb of translating: 「第5章を英語で」, 第五章翻译成英文.)
    rf"{_NAMES_ALL}|{_TRANSLATE}|\bin(?:to)?\b|"
    r"\s|[、。,.!?！？:：~〜「」\"'()（）@/]|bot|ボット|please|pls|plz|can|could|would|you|"
    r"i|me|us|to|the|a|an|of|in|see|show|open|read|display|go|jump|want|wanna|let|'s|"
    r"only|just|whole|full|text|again|give|send|post|paste|"
    r"を|は|が|の|も|だけ|全文|全部|本文|見せて|みせて|見せる|見たい|みたい|読みたい|よみたい|"
    r"読ませて|読んで|よんで|読む|開いて|ひらいて|表示|出して|だして|貼って|はって|送って|"
    r"ください|下さい|くれ|ちょうだい|お願い|おねがい|します|して|です|ます|教えて|よろしく|"
    r"看看|看一下|看|打开|打開|显示|顯示|给我|給我|发|發|贴|貼|我要|我想|想|读|讀|阅读|閱讀|"
    r"一下|帮我|幫我|请|請|能|吗|嗎|吧|呢|内容|內容|全文|一章|那|下|段|部分|的|这|這|睇|ところ|とこ|部分|"
    r"で|に"  # (after です)
)
_CHAT = re.compile(
    r"こんにちは|こんばんは|おはよう(?:ございます)?|はじめまして|よろしく(?:お願い(?:します)?)?|"
    r"ありがとう(?:ございます|ございました)?|ありがと|おおきに|サンキュー?|助かりました|助かった|"
    r"さようなら|またね|おやすみ(?:なさい)?|了解(?:です)?|わかりました|わかった|分かった|なるほど|"
    r"すごい|すごいね|いいね|ナイス|おつかれ(?:さま)?|お疲れ(?:様)?(?:です)?|笑|ｗ+|w{2,}|"
    r"\b(?:hello|hi|hey|hiya|yo|good\s+(?:morning|evening|night|afternoon)|thanks?(?:\s+you)?|"
    r"thx|ty|cheers|bye|goodbye|see\s+you|ok(?:ay)?|cool|great|nice|awesome|wow|lol|haha|"
    r"got\s+it|i\s+see|how\s+are\s+you|gn|gm)\b|"
    r"你好|您好|嗨|哈囉|哈喽|早安|早上好|晚安|晚上好|谢谢|謝謝|多谢|多謝|感谢|感謝|再见|再見|"
    r"拜拜|掰掰|好的|明白了|知道了|厉害|厲害|哈哈+|辛苦了|笑死|午安|你好[吗嗎]|最近好[吗嗎]?|"
    r"元気|げんき|^/(?:start|help)\b"
)
# The bot asked about itself: what it can do, how to use it, who made it, what it is.
_ABOUT_BOT = re.compile(
    r"何ができる|なにができる|何が出来る|使い方|どうやって使|あなたは(?:誰|だれ|何|なに)|"
    r"(?:誰|だれ)が作った|ボット(?:です|なの)|ロボットですか|chatgptですか|"
    r"what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+(?:do|can)\s+i\s+use|who\s+are\s+you|"
    r"who\s+(?:made|built|created)\s+you|are\s+you\s+(?:a\s+)?(?:bot|robot|human|ai|real|chatgpt)|"
    r"what\s+are\s+you|help\s+me\s+use|what\s+languages|"
    r"你能做什么|你会什么|你可以做什么|你可以做什麼|你能做什麼|你會什麼|你是谁|你是誰|"
    r"谁做的|誰做的|怎么用|怎麼用|你是机器人|你是機器人|"
    # The bot's memory, price and languages, asked of it.
    r"覚えて(?:る|い|ます)|(?:これ|このボット|このbot)(?:って|は)?(?:無料|タダ|有料)|料金|"
    r"(?:英語|中国語|日本語)(?:で|も|を)?(?:話せ|使え)|"
    r"\b(?:remember\s+me|is\s+(?:this|it)\s+free|do\s+you\s+speak|how\s+much\s+does\s+"
    r"(?:this|it)\s+cost)\b|记得我|記得我|收费|收費|要钱|要錢|讲广东话|講廣東話|"
    r"你(?:係咪|是不是|是)(?:一個|一个)?(?:機械人|机械人|机器人|機器人|ai|chatgpt|真人)|"
    r"使用这个|使用這個"
)
# Asks the bot to do something other than answer from the article: Japanese and Chinese verbs
# of doing in a form that asks (訳して, 書いてください, 帮我写), English ones opening the message
# (as a command or after "can you"), and things only a search can tell (news, weather).
_REQUEST = re.compile(
    r"(?:翻訳|ほんやく|訳|要約|まとめ|書い|かい|作っ|つくっ|作成|検索|調べ|しらべ|ググ|予約|"
    r"送っ|リマインド|計算し|解い|詠ん|考え|設定し|かけ)\s*(?:て|して)(?:きて|みて)?\s*"
    r"(?:ください|くれ(?!た)|ほしい|欲しい|もらえ|いただけ|よ|$|[、。!?！？\s「\"])|"
    r"(?:英語|中国語|日本語|韓国語)(?:に|で)(?:して|訳して|直して|書いて)|"
    r"遊ぼう|しよう[!！]?$|タイマー|アラーム|なぞなぞ|ダジャレ|"
    r"^(?:@\S+\s+)?(?:please\s+|pls\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?|"
    r"help\s+me\s+|i\s+(?:want|need)\s+you\s+to\s+|let'?s\s+)?(?:translate|summari[sz]e|rewrite|"
    r"paraphrase|write|compose|draft|generate|create|search|google|look\s+up|book|remind|order|"
    r"recommend|code|calculate|solve|play|tell\s+me\s+a\s+(?:joke|story|riddle)|"
    r"set\s+(?:a|an)\s+(?:timer|alarm)|give\s+me\s+(?:a|an|\d))\b|"
    r"翻译|翻譯|总结|總結|概括|摘要|帮我写|幫我寫|给我写|給我寫|写一|寫一|写个|寫個|写篇|寫篇|"
    r"朋友圈|推文|脸书|臉書|搜索|搜尋|查一下|查查|帮我查|幫我查|"
    r"提醒我|订票|訂票|订一|訂一|帮我订|幫我訂|推荐|推薦|玩|解这|解這|解一下|翻成|翻做|譯做|"
    r"译成|譯成|用.{1,6}(?:怎么说|怎麼說)|代码|程式|程序|笑话|笑話|闹钟|鬧鐘|"
    r"google一下|谷歌一下|搜一下"
)
# Things only a search can tell: asked of Musk or the article, they ask the article.
_SEARCHED = re.compile(
    r"ニュース|天気|株価|レシピ|おすすめ|オススメ|\b(?:news|weather|stock\s+price|forecast)\b|"
    r"新闻|新聞|天气|天氣|股价|股價|会下雨|會下雨"
)
# What Musk or the article said: a message that asks what was said asks the article, even in
# words that would otherwise ask for something else (「テスラの株価どうなるって言ってた?」).
_SAID = re.compile(
    r"言って|言った|言う|話して|語って|述べ|触れ|"
    r"\b(?:said|say|says|saying|mention(?:ed|s)?|talk(?:ed|s)?|think|thinks|predict(?:ed|s)?)\b|"
    r"说|說|提到|讲|講|认为|認為|怎么看|怎麼看|觉得|覺得"
)
_ARTICLE = re.compile(
    r"マスク|イーロン|記事|文章|彼は|\b(?:musk|elon|article|interview)\b|马斯克|馬斯克"
)
# Filler that stands around chat (and words that ask nothing of the article).
_AROUND_CHAT = re.compile(
    r"\s|[、。,.!?！？~〜♪☆★…・:;()（）「」\"'@/]|bot|ボット|君|きみ|さん|ちゃん|"
    r"\b(?:very|so|much|a\s+lot|again|everyone|there|all|man|bro|friend|you|that|helps|"
    r"really|was|useful|helpful|it|is|for|the|this|doing|today)\b|"
    r"本当に|ほんとに|とても|どうも|みなさん|皆さん|です|ね|よ|な|ございます|"
    r"非常|真的|大家|你|呀|啊|哦|喔|啦|了|的|太|好|超|很"
)
_THANKS = re.compile(
    r"ありがと|おおきに|サンキュ|さんきゅ|感謝|助かり|助かった|\b(?:thanks?|thx|ty|cheers)\b|"
    r"谢谢|謝謝|多谢|多謝|感谢|唔該|唔该"
)
_EMOJI_OR_MARKS = re.compile(r"[\W_\d]+")
# What makes a message a question: a question mark, a question word, a question ending.
_ASKS = re.compile(
    r"[?？]|\b(?:what|why|how|when|where|who|which|does|did|is|are|can|will|should)\b|"
    r"何|なに|なん|なぜ|どう|いつ|どこ|誰|だれ|どれ|どの|か$|の$|"
    r"什么|什麼|为什么|為什麼|怎么|怎麼|吗|嗎|呢|哪|谁|誰|几|幾|多少|是否"
)


@dataclass(frozen=True)
class Kind:
    """What a message wants: ANSWER (from the article), CHAT, REQUEST or SECTION (`section`:
    the number asked for; `last` when it asks for the last one, whose number is the article's)."""

    kind: str
    section: int | None = None
    last: bool = False


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def kind_of(text: str) -> Kind:
    """What `text` wants, from its words alone."""
    folded = fold(text)
    if not folded:
        return Kind(ANSWER)  # nothing asked: declined as a question
    section = _section_asked(folded)
    if section is not None:
        return section
    asks = _ASKS.search(folded)
    said = asks and _SAID.search(folded)
    if (_REQUEST.search(folded) or _names_a_language_alone(folded)) and not said:
        return Kind(REQUEST)
    if _SEARCHED.search(folded) and not (said or (asks and _ARTICLE.search(folded))):
        return Kind(REQUEST)
    if _ABOUT_BOT.search(folded):
        return Kind(CHAT)
    rest = _AROUND_CHAT.sub("", _CHAT.sub("", folded))
    if not rest:
        return Kind(CHAT)
    # Thanks, a greeting or praise with a remark but no question (「ありがとう、よくわかった」).
    if _CHAT.search(folded) and not _ASKS.search(folded):
        return Kind(CHAT)
    if not _EMOJI_OR_MARKS.sub("", folded):  # emoji, marks and digits alone
        return Kind(CHAT)
    return Kind(ANSWER)


def translation_target(text: str) -> str | None:
    """The language a message asks the article in, when it asks for a translation (a verb of
    translating: 「上の内容を英語に訳して」, "Can you translate that?", 翻譯成中文) or only names a
    language ("in English please", 「日本語で」, 用中文): the language it names (language_named),
    else the message's own (OTHER for a Japanese message: it names none it could want). None
    when it asks for no translation."""
    folded = fold(text)
    if not re.search(_TRANSLATE, folded) and not _names_a_language_alone(folded):
        return None
    if (named := language_named(text)) is not None:
        return named
    spoken = text_language(text)
    return OTHER if spoken == "ja" or re.search(r"\binto\s+[a-z]", folded) else spoken


def language_named(text: str) -> str | None:
    """The language a message names, the last where it names several ("translate the Japanese
    into English"): one of index.text.LANGUAGES (Japanese is the article's original), OTHER
    for a language the bot does not speak (French), None for none. Chinese without its script
    named is in the message's, when it is Chinese; else simplified."""
    named = list(_NAMED.finditer(fold(text)))
    if not named:
        return None
    key = (named[-1].lastgroup or "").replace("_", "-")
    if key == "zh":
        spoken = text_language(text)
        return spoken if spoken.startswith("zh") else "zh-hans"
    return key


def _names_a_language_alone(folded: str) -> bool:
    return bool(_NAMED.search(folded)) and not _AROUND_LANGUAGE.sub("", _NAMED.sub("", folded))


def thanks(text: str) -> bool:
    """Whether a message thanks (for the reply chat gets)."""
    return bool(_THANKS.search(fold(text)))


def _section_asked(folded: str) -> Kind | None:
    """A SECTION kind when the message only asks to see a section."""
    for pattern, found in ((_LAST, "last"), (_FIRST, 1), (_INTRO, 0), (_BY_NUMBER, None)):
        match = pattern.search(folded)
        if match is None:
            continue
        rest = folded[: match.start()] + " " + folded[match.end() :]
        shown = _SHOW.search(rest) and not _CONTENT.search(rest)
        if _AROUND_SECTION.sub("", rest) and not shown:
            return None  # it asks something about the section, not to see it
        if found == "last":
            return Kind(SECTION, None, last=True)
        if found is not None:
            return Kind(SECTION, int(found))
        number = next(g for g in match.groups() if g is not None)
        return Kind(SECTION, _number(number))
    return None


def _number(text: str) -> int:
    """A number written in digits, kanji (五, 十二, 二十) or English words (five, fifth)."""
    if text.isdigit():
        return int(text)
    if text in _WORDS:
        return _WORDS[text]
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for char in text:
        value = value * 10 + _DIGITS.get(char, 0)
    return value
