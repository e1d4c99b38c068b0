"""Where a follow-up finds its context in Telegram: in the bot answer it replies to
(stateless, so any replica reads it alike); otherwise in the chat's last answer, which
index.followup.RecentAnswers keeps a while in this process."""

from __future__ import annotations

import re
from urllib.parse import unquote

from telegram import Message, MessageEntity

from bot import keyboards
from index.followup import Context

# How much of a replied-to answer stands for its topic when it carries no formatting.
TOPIC_CHARS = 200
SHARED_SECTION = re.compile(r"[?&]start=section_(\d+)$")  # a section page's share button


def context_from_reply(message: Message, bot_id: int) -> Context | None:
    """The context one of the bot's answers carries: the passages its button lists as shown,
    and, for the words of its topic, the sentence it set in bold (its lead, which a follow-up
    then does not lead with again)."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    rows = replied.reply_markup.inline_keyboard if replied.reply_markup else ()
    presses = [keyboards.parse(str(button.callback_data or "")) for row in rows for button in row]
    shown = next((press.shown for press in reversed(presses) if press.kind == "m"), ())
    if not shown:
        return None
    folds: list[str | None] = [MessageEntity.BLOCKQUOTE, MessageEntity.EXPANDABLE_BLOCKQUOTE]
    quotes = list(replied.parse_entities(folds).items())  # (an answer's quotes are folded)
    bold = replied.parse_entities([MessageEntity.BOLD]).items()
    topic = (replied.text or "")[:TOPIC_CHARS]  # without formatting: the answer's own words
    lead = None
    if quotes:
        first, quoted = quotes[0]
        end = first.offset + first.length
        lead = next((text for e, text in bold if first.offset <= e.offset < end), None)
        topic = lead or quoted
    return Context(topic.strip(), shown, (lead.strip(),) if lead else ())


def section_from_reply(message: Message, bot_id: int) -> int | None:
    """The number of the section one of the bot's section pages shows, when `message` replies
    to one: the page's button that shares the section names it."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return None
    rows = replied.reply_markup.inline_keyboard if replied.reply_markup else ()
    for button in (button for row in rows for button in row):
        if button.url and (shared := SHARED_SECTION.search(unquote(button.url))):
            return int(shared[1])
    return None
