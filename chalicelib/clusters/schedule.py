"""When a cluster's waits look at AWS, from this deployment's configuration (machine.Polling and
the schedule itself are pure, in machine.py). The engine asks `not_before` when it commits, so
the first look at a new fleet comes after a typical boot, not at once."""
from __future__ import annotations

from ..kernel import config
from . import machine as c


def boot() -> c.Polling:
    s = config.get()
    return c.Polling(s.boot_seconds, s.poll_seconds)


def shutdown() -> c.Polling:
    s = config.get()
    return c.Polling(s.shutdown_seconds, s.poll_seconds)


def not_before(s: c.Cluster) -> float | None:
    return c.not_before(s, boot(), shutdown())
