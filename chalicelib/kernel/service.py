"""Service periods: when an aggregate's instances were in service, and as what. A machine whose
aggregate runs billable instances (a cluster, a notebook node) keeps them in its state and
moves them with `follow` as it folds events, so they are facts of its own stream: replaying or
re-delivering an event cannot add a period twice, and whoever reads the state (metering) reads
the whole history in one row.

A period is open (`end` None) while the aggregate is in service. It closes when service
stops, and a change of instance type or node count while in service closes it and opens the
next one at the same instant, so each period has one type and one count."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Period:
    start: float
    end: float | None
    instance_type: str
    nodes: int


def follow(periods: tuple[Period, ...], in_service: bool, at: float, instance_type: str,
           nodes: int) -> tuple[Period, ...]:
    """The periods after a fact at `at` that leaves the aggregate in service or not, running
    `nodes` instances of `instance_type`."""
    last = periods[-1] if periods else None
    open_ = last is not None and last.end is None
    if open_ and (not in_service or (last.instance_type, last.nodes) != (instance_type, nodes)):
        periods = (*periods[:-1], replace(last, end=max(at, last.start)))
        open_ = False
    if in_service and not open_ and nodes > 0:
        periods = (*periods, Period(at, None, instance_type, nodes))
    return periods


def in_service(periods: tuple[Period, ...]) -> bool:
    return bool(periods) and periods[-1].end is None
