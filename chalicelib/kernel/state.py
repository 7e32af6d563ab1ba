"""State and events as plain data: a frozen dataclass to a JSON-ready dict and back, written
once for every state class (enums by value, tuples as lists, nested dataclasses, optionals),
and folding a stream of events into a state.

Loading follows the class's type hints: a missing key takes the field's default, so a row
written before a field existed still loads."""
from __future__ import annotations

import dataclasses
import functools
import types
import typing
from enum import Enum
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")


def dump(value: Any) -> Any:
    """A dataclass (or anything inside one) as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def load(cls: type[T], data: Any) -> T:
    """`data` (as `dump` made it) back into an instance of `cls`."""
    return _load(cls, data)


def _load(tp: Any, data: Any) -> Any:
    if data is None or tp is Any:
        return data
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        arg = next(a for a in typing.get_args(tp) if a is not type(None))
        return _load(arg, data)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{f.name: _load(hints[f.name], data[f.name])
                     for f in dataclasses.fields(tp) if f.name in data})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if origin is tuple or tp is tuple:
        args = typing.get_args(tp)
        item = args[0] if len(args) == 2 and args[1] is Ellipsis else Any
        return tuple(_load(item, v) for v in data)
    if origin is dict or tp is dict:
        return dict(data)
    return data


def fold(evolve: Callable[[Any, Any], T], events: Iterable[Any], state: T | None = None) -> T | None:
    """The state the events lead to, applied one by one with `evolve` from `state`."""
    for e in events:
        state = evolve(state, e)
    return state
