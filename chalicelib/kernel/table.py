"""What every transition table does the same way: find the status an event leads to, and
stamp a new state with it."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

S = TypeVar("S")


def allowed(table: dict, state: Any, e: Any) -> bool:
    return (state.status if state else None, type(e)) in table


def target(table: dict, state: Any, e: Any):
    """The status `e` moves `state` to. An event the table does not allow is a bug in the
    caller (commands are decided first): it raises."""
    key = (state.status if state else None, type(e))
    if key not in table:
        raise ValueError(f"{type(e).__name__} is not allowed in status {key[0]}")
    return table[key]


def stamp(before: Any, after: S, status, at: float) -> S:
    """`after` in `status` as of `at`; in_state_since moves only when the status changes."""
    since = after.in_state_since if status == before.status else at
    return replace(after, status=status, updated_at=at, in_state_since=since)
