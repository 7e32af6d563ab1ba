"""Small helpers to monkeypatch moto classes idempotently."""

from __future__ import annotations

from typing import Any, Callable

_MARK = "__corral_patch__"


def is_patched(cls: type, name: str) -> bool:
    return getattr(cls.__dict__.get(name), _MARK, False)


def add_method(cls: type, name: str, func: Callable[..., Any]) -> None:
    """Define ``cls.name = func`` unless an earlier install() already did."""
    if is_patched(cls, name):
        return
    setattr(func, _MARK, True)
    setattr(cls, name, func)


_WRAPS = "__corral_wraps__"


def wrap_method(
    cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace ``cls.name`` with ``make(original)``, once per ``make``.

    ``original`` is whatever ``cls.name`` resolves to before patching
    (possibly inherited from a mixin, or another extension's wrapper), so the
    wrapper can delegate to it: several extensions may wrap one method.
    """
    key = f"{make.__module__}.{make.__qualname__}"
    original = getattr(cls, name)
    done = getattr(original, _WRAPS, frozenset())
    if key in done:
        return
    wrapper = make(original)
    wrapper.__name__ = name
    wrapper.__doc__ = original.__doc__
    setattr(wrapper, _MARK, True)
    setattr(wrapper, _WRAPS, done | {key})
    setattr(cls, name, wrapper)
