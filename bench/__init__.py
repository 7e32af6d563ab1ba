"""Benchmarks (`make bench`): AWS API calls per cluster lifecycle, and the tick's cost as
RUNNING clusters pile up. Not part of `make test`; tests/bench only proves they still run."""
