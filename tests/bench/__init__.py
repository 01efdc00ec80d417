"""Benchmarks: `make bench` (python -m tests.bench) runs them and writes bench-results.json."""
