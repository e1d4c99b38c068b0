"""What a conversation was shown last, for a request to translate it ("Can you translate that
into English?"): an answer or a section, kept in the process for a while as a follow-up's
context is (index.followup.RecentAnswers, in bot.session), or rebuilt from the answer a
message replies to (any replica reads it alike)."""

from __future__ import annotations

from index.article import Article, Section
from index.followup import Context
from index.search import Answer, Hit
from index.translations import Translations, sentence_texts

Shown = Answer | Section


def replied_answer(
    context: Context, article: Article, translations: Translations, shown: int
) -> Answer | None:
    """The answer a replied-to message showed, from what it carries (bot.conversation): its
    passages (the latest `shown` it lists), led by the sentence its topic is, in Japanese or
    in a translation (a translated answer sets its lead's first sentence in bold)."""
    hits = [p for pid in context.shown[-shown:] if (p := article.passage(pid))]
    if not hits:
        return None
    topic = context.question.strip()
    lead = topic if topic and topic in hits[0].text else ""
    if not lead:
        sentences = [s.strip() for line in hits[0].text.split("\n") for s in sentence_texts(line)]
        lead = next(
            (
                sentence
                for sentence in sentences
                if topic
                in (translations.sentence(lang, sentence) for lang in translations.languages)
            ),
            "",
        )
    return Answer(topic, tuple(Hit(p, 0.0, lead) for p in hits), True, lead=lead)
