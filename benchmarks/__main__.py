"""`python -m benchmarks`: see benchmarks/run.py and benchmarks/README.md."""

import sys

if __name__ == "__main__":  # (not when multiprocessing imports this module again)
    from benchmarks.run import main

    sys.exit(main())
