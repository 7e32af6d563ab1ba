"""Step runners as a table from step to function, with the one wrapper every machine shares:
a lasting AWS error becomes the machine's failed event when its state says so (a launch), and
is raised otherwise (the engine retries it and says why: a teardown)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..kernel import clock
from ..kernel.errors import CloudError


@dataclass(frozen=True)
class Wait:
    """A step that found nothing changed yet: look again in `seconds`."""

    seconds: float
    note: str = ""


StepFunction = Callable[[Any, float], "list | Wait"]    # (state, now) -> events | Wait


def runner(table: dict[Any, StepFunction],
           failed: Callable[[Any, str, float], list] | None = None) -> Callable[[Any, Any], Any]:
    """run(step, state) for the engine. `failed(state, reason, now)`: the events a lasting
    AWS error leads to in that state, or none to let the engine retry it."""
    missing = [s for s in _steps_of(table) if s not in table]
    if missing:
        raise ValueError(f"no runner for step(s) {', '.join(map(str, missing))}")

    def run(step, state):
        now = clock.now()
        try:
            return table[step](state, now)
        except CloudError as e:
            events = failed(state, e.reason, now) if failed and not e.transient else None
            if not events:
                raise
            return events

    return run


def _steps_of(table: dict) -> list:
    """Every member of the table's step enum (a runner covers them all)."""
    first = next(iter(table), None)
    return list(type(first)) if first is not None else []
