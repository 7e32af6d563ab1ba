"""Event records: past-tense facts, stored as {"type", "data", "at"} and read back into classes.

Each machine declares its event classes with `@event`; the registry turns stored records back
into instances. Events carry what happened (ids, reasons, times), never what to do next.
"""
from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from .state import dump, load

_REGISTRY: dict[str, type] = {}

E = TypeVar("E")


def event(cls: type[E]) -> type[E]:
    """Make `cls` a frozen dataclass and register it under its class name."""
    if not cls.__doc__:
        # Else dataclass() works out a docstring from the class's signature (inspect.signature),
        # a good share of the time every event takes to define at import.
        cls.__doc__ = f"The {cls.__name__} event."
    cls = dataclasses.dataclass(frozen=True)(cls)
    if cls.__name__ in _REGISTRY:
        raise TypeError(f"duplicate event name {cls.__name__}")
    _REGISTRY[cls.__name__] = cls
    return cls


def to_record(e: Any) -> dict:
    data = dump(e)
    at = data.pop("at")
    return {"type": type(e).__name__, "data": data, "at": at}


def from_record(record: dict) -> Any:
    try:
        cls = _REGISTRY[record["type"]]
    except KeyError:
        raise ValueError(f"unknown event type {record.get('type')!r}") from None
    return load(cls, {**record["data"], "at": record["at"]})
