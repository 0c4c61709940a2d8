"""The voting benchmark: `python -m bench.run` (see docs/BENCHMARKS.md)."""
