"""Inputs of the benchmarks: the questions, and synthetic articles N times the real one.

A synthetic article recombines the real article's sentences, with a seeded RNG, into new
paragraphs and sections: every passage is new text (not a copy of another), the layout is the
one `parse_article` reads (a headline, numbered section lines "01", "02", … each followed by a
title line), and the same seed always gives the same text.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

from index.article import MIN_PASSAGE_CHARS, Article, load_article

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
QUESTION_SETS = ("dev", "own", "fresh", "para", "phone")
# Ways a chat user opens or closes a question: they make the same question a new text, so that
# a figure over many questions is not one of the encoder's question cache.
OPENINGS = ("", "ねえ、", "ちょっと質問です。", "教えてください。", "すみません、")
CLOSINGS = ("", "?", "。", "ですか", "かな")
SEED = 20240106
# parse_article reads a section number line as \d{1,2}: 99 numbered sections at most. Past
# that, a bigger document has bigger sections (see benchmarks/README.md).
MAX_SECTIONS = 99

_SENTENCE = re.compile(r"[^。!?!?\n]+[。!?!?]*[」』)）]*")
_RESERVED = re.compile(r"\d{1,2}|最後に|おわりに|終わりに|結びに|まとめ|あとがき")


def questions() -> list[str]:
    """The questions of the project's question sets (tests/data), each once, in file order."""
    out: dict[str, None] = {}
    for name in QUESTION_SETS:
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                out[str(json.loads(line)["question"])] = None
    return list(out)


def many_questions(count: int) -> list[str]:
    """`count` different question texts: the questions, opened and closed in several ways."""
    base = questions()
    out = [
        opening + question.rstrip("?？。") + closing
        for opening in OPENINGS
        for closing in CLOSINGS
        for question in base
    ]
    out = list(dict.fromkeys(out))
    if len(out) < count:
        raise ValueError(f"only {len(out)} different questions, {count} asked for")
    return out[:count]


def sentences(article: Article) -> list[str]:
    """The article's sentences, as the passages hold them (the footer is already gone)."""
    out: list[str] = []
    for passage in article.passages:
        for match in _SENTENCE.findall(passage.text):
            text = match.strip()
            folded = unicodedata.normalize("NFKC", text)
            if len(text) >= 4 and not _RESERVED.fullmatch(folded) and "http" not in text:
                out.append(text)
    return out


def synthetic_article(scale: int, seed: int = SEED, base: Article | None = None) -> str:
    """Article text with about `scale` times the real article's passages.

    Paragraphs are two or more sentences drawn at random from the real article, at least
    MIN_PASSAGE_CHARS long (about a real passage, so each paragraph is one passage) and all
    different; titles are short sentences.
    """
    base = base or load_article()
    pool = sentences(base)
    titles = [s for s in pool if len(s) <= 40] or pool
    rng = random.Random(f"{seed}:{scale}")
    paragraphs = len(base.passages) * scale
    sections = min(MAX_SECTIONS, max(1, (len(base.sections) - 1) * scale))
    lines = [f"合成記事 {scale}倍(シード {seed})", ""]
    seen: set[str] = set()
    lines += [_paragraph(rng, pool, seen) for _ in range(3)]  # lead-in: section 0
    per_section, extra = divmod(paragraphs - 3, sections)
    for number in range(1, sections + 1):
        lines += ["", f"{number:02d}", rng.choice(titles)]
        lines += [_paragraph(rng, pool, seen) for _ in range(per_section + (number <= extra))]
    return "\n".join(lines) + "\n"


def _paragraph(rng: random.Random, pool: list[str], seen: set[str]) -> str:
    while True:
        picked = rng.sample(pool, 2)
        while sum(map(len, picked)) < MIN_PASSAGE_CHARS or rng.random() < 0.3:
            picked.append(rng.choice(pool))
        text = "".join(picked)
        if text not in seen:
            seen.add(text)
            return text
