"""The retrieval core: the article, its index, and answers to questions about it."""

import os

# Thread pools for a small shared machine, set before numpy's OpenBLAS and the encoder's
# OpenMP (libgomp) load, unless the environment says otherwise. With every core busy with
# other work, their default threads spin against it and each other: `ask --json -` took 5 to
# 25 times its idle time. BLAS runs on one thread, OpenMP's idle threads sleep after a short
# spin (a shorter one doubles the idle time), and the encoder leaves the cores that other work
# keeps busy (index/embed.py): 2.4 to 2.65 times (docs/performance.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
