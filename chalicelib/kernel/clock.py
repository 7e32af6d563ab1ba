"""The one source of time. Tests and the local pump swap it; nothing else calls time.time()."""
from __future__ import annotations

import time
from typing import Callable

_clock: Callable[[], float] = time.time


def now() -> float:
    return _clock()


def set_clock(clock: Callable[[], float] | None) -> None:
    """Install `clock` (None restores the wall clock)."""
    global _clock
    _clock = clock or time.time


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
