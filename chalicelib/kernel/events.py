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
    """Make `cls` a frozen dataclass and register it under its class name.

    A frozen dataclass like any other to its users (fields, `dataclasses.replace`, equality,
    hashing, repr, no assignment), but its methods are shared ones reading the class's field
    names, not code that `dataclass()` writes and compiles for every class: the machines
    define a few dozen events, and that code was a good part of the time the worker and the
    app take to import."""
    if cls.__name__ in _REGISTRY:
        raise TypeError(f"duplicate event name {cls.__name__}")
    if not cls.__doc__:   # else dataclass() writes one from the signature (inspect: slow)
        cls.__doc__ = f"The {cls.__name__} event."
    cls = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(cls)
    cls._field_names = tuple(f.name for f in fields)
    cls._field_defaults = {f.name: f.default for f in fields
                           if f.default is not dataclasses.MISSING}
    cls._field_factories = {f.name: f.default_factory for f in fields
                            if f.default_factory is not dataclasses.MISSING}
    for name, method in _EVENT_METHODS.items():
        setattr(cls, name, method)
    _REGISTRY[cls.__name__] = cls
    return cls


def _init(self, *args, **kwargs) -> None:
    cls = type(self)
    names = cls._field_names
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__}() takes {len(names)} arguments, got {len(args)}")
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in values:
            raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
        if key not in cls.__dataclass_fields__:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {key!r}")
        values[key] = value
    for name in names:
        if name in values:
            continue
        if name in cls._field_defaults:
            values[name] = cls._field_defaults[name]
        elif name in cls._field_factories:
            values[name] = cls._field_factories[name]()
        else:
            raise TypeError(f"{cls.__name__}() missing required argument {name!r}")
    for name in names:
        object.__setattr__(self, name, values[name])


def _values(self) -> tuple:
    return tuple(getattr(self, name) for name in type(self)._field_names)


def _repr(self) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self)._field_names)
    return f"{type(self).__qualname__}({inner})"


def _eq(self, other):
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(_values(self))


def _frozen(self, name, *value):
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


_EVENT_METHODS = {"__init__": _init, "__repr__": _repr, "__eq__": _eq, "__hash__": _hash,
                  "__setattr__": _frozen, "__delattr__": _frozen}


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
