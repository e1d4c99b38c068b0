"""Benchmarks of interview-bot: `python -m benchmarks [--quick]` prints every figure."""
