"""Write the bundled article's passage and sentence vectors into the package
(index/data/musk-interview.ja.vectors), and those of its memory of labelled messages
(musk-interview.ja.memory.vectors), so that the first answer after installing needs no
encoding. Run it after a change to how the article is cut into passages or sentences, or to
the encoder; tests/test_cache.py checks that the shipped vectors are what the encoder computes.

    python scripts/ship_vectors.py
"""

from __future__ import annotations

import sys

from index.cache import (
    SHIPPED_MEMORY_VECTORS,
    SHIPPED_VECTORS,
    load_index,
    write_shipped_memory_vectors,
    write_shipped_vectors,
)
from index.embed import default_encoder
from index.hybrid import HybridIndex, HybridParams


def main() -> int:
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
