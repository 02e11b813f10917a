"""Benchmarks (`make bench`). Each module here has a `main() -> dict` that prints its table and
returns its numbers; `python -m data_assets_tests.benchmarks [name ...]` runs them all (or the
named ones) and writes the numbers to `.data/reports/benchmarks.json`."""
