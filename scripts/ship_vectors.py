"""Write the bundled article's passage and sentence vectors into the package
(index/data/musk-interview.ja.vectors), and its memory of labelled messages: the lines of the
question sets in tests/data that it learns from (musk-interview.ja.memory.jsonl; never dev or
the final checks, never a follow-up) with their vectors (musk-interview.ja.memory.vectors), so
that the first answer after installing needs no encoding. Run it after a change to how the
article is cut into passages or sentences, to the question sets it learns from, or to
the encoder; tests/test_cache.py checks that the shipped vectors are what the encoder computes.

    python scripts/ship_vectors.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from index.cache import (
    SHIPPED_MEMORY,
    SHIPPED_MEMORY_VECTORS,
    SHIPPED_VECTORS,
    load_index,
    write_shipped_memory_vectors,
    write_shipped_vectors,
)
from index.embed import default_encoder
from index.hybrid import HybridIndex, HybridParams
from index.memory import fold

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
# The sets the memory learns from (each a writer's), as scripts/calibrate.py leaves them out.
MEMORY = (
    *("own", "fresh", "para", "hira", "mix", "slang", "keigo", "doubt", "en", "zh", "offtopic"),
    *("senior", "learner", "hant", "group", "kinds", "traps"),
    *("nurse", "shop", "taipei", "carer", "kansai", "student", "broad"),
)


# Never in the memory, not even a line of another set that asks the same in the same words.
HELD_OUT = ("dev", "phone", "final", "final-ja", "final-intl")


def _lines(name: str) -> list[dict[str, object]]:
    text = (DATA / f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_memory() -> int:
    """The memory's lines, from the sets in MEMORY: their labels and the set they come from."""
    held = {fold(str(q["question"])) for name in HELD_OUT for q in _lines(name)}
    rows = []
    for name in MEMORY:
        for q in _lines(name):
            if q.get("context") or fold(str(q["question"])) in held:
                continue
            row = {
                k: q[k] for k in ("question", "sections", "evidence", "kind", "section") if k in q
            }
            rows.append(json.dumps(row | {"source": name}, ensure_ascii=False))
    SHIPPED_MEMORY.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows)


def main() -> int:
    print(f"wrote {SHIPPED_MEMORY} ({write_memory()} labelled messages)")
    encoder = default_encoder()
    if encoder is None:
        print("no sentence encoder installed", file=sys.stderr)
        return 1
    lexical = load_index(passage_chars=HybridParams().passage_chars)
    index = HybridIndex(lexical, encoder)  # encodes afresh
    write_shipped_vectors(lexical, encoder, index.vectors)
    print(f"wrote {SHIPPED_VECTORS} ({index.vectors.shape[0]} vectors)")
    rows = write_shipped_memory_vectors(index)
    print(f"wrote {SHIPPED_MEMORY_VECTORS} ({rows} vectors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
