"""How long a question needs to be read: the best passage of long messages cut at several
lengths, against the same message cut where the encoder stops reading (e5: 512 tokens).

    python scripts/question_length.py

Long messages are the article's own text (a user pasting a stretch of it) and the question
sets' questions run together, 4,096 characters each (Telegram's limit), taken at even steps.
"""

from __future__ import annotations

import json
from pathlib import Path

from index.cache import load_retriever
from index.hybrid import HybridIndex

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
LONG = 4096
CUTS = (128, 256, 384, 512, 768)


def messages(index: HybridIndex) -> list[str]:
    article = "\n".join(p.text for p in index.article.passages)
    questions = " ".join(
        json.loads(line)["question"]
        for name in ("dev", "own", "fresh", "para")
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    found = []
    for text in (article, questions):
        step = max(1, (len(text) - LONG) // 20)
        found += [text[i : i + LONG] for i in range(0, len(text) - LONG, step)][:20]
    return found


def main() -> None:
    index = load_retriever(mode="hybrid")
    assert isinstance(index, HybridIndex)
    encoder = index.encoder
    texts = messages(index)
    # The reference: the longest prefix the encoder reads whole.
    reference = []
    for text in texts:
        length = len(text)
        while encoder._model.token_count(text[:length], True) > 512:  # type: ignore[attr-defined]
            length = int(length * 0.95)
        reference.append(index.search(text[:length], 3).hits[0].passage.id)
    for cut in CUTS:
        best = [index.search(text[:cut], 3).hits[0].passage.id for text in texts]
        same = sum(b == r for b, r in zip(best, reference, strict=True))
        print(f"cut at {cut:4} characters: best passage as at 512 tokens in {same}/{len(texts)}")


if __name__ == "__main__":
    main()
