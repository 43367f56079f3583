"""Benchmarks. `python -m bench` (what `make bench` runs) measures /log end to end; see README.md."""
