"""Filling the tables fast for a benchmark: the items `aggregates.append` builds, collected
instead of written in a transaction each (moto copies the whole table on every transaction,
so thousands of them would be quadratic), then written with BatchWriteItem."""
from __future__ import annotations

from typing import Callable


class Collector:
    """Stands in for pynamodb's TransactWrite inside aggregates.append: keeps the items the
    transaction would put (those `keep` accepts), for batch_write. Updates and condition
    checks are dropped: the scope's counters are written by the benchmark itself."""

    def __init__(self, sink: list, keep: Callable[[object], bool] = lambda model: True):
        self.sink, self.keep = sink, keep

    def __call__(self, *args, **kwargs) -> "Collector":
        return self

    def __enter__(self) -> "Collector":
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def save(self, model, condition=None, return_values=None) -> None:
        if self.keep(model):
            self.sink.append(model)

    def update(self, *args, **kwargs) -> None:
        pass

    def condition_check(self, *args, **kwargs) -> None:
        pass


def batch_write(items: list) -> None:
    by_model: dict[type, list] = {}
    for item in items:
        by_model.setdefault(type(item), []).append(item)
    for model, group in by_model.items():
        with model.batch_write() as batch:
            for item in group:
                batch.save(item)
