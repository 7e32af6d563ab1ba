"""When a cluster's waits look at AWS, from this deployment's configuration (polling.Polling and
the schedule itself are pure, in machine.py). The engine asks `not_before` when it commits, so
the first look at a new fleet comes after a typical boot, not at once."""
from __future__ import annotations

from ..kernel import config
from . import machine as c
from . import polling


def boot() -> polling.Polling:
    s = config.get()
    return polling.Polling(s.boot_seconds, s.poll_seconds)


def shutdown() -> polling.Polling:
    s = config.get()
    return polling.Polling(s.shutdown_seconds, s.poll_seconds)


def not_before(s: c.Cluster) -> float | None:
    """Also the idle deadline (the CHECK_IDLE step finds nothing before it: the tick finds it
    in the due index then) and the first look at stopping instances."""
    idle = c.idle_action(s) if c.next_step(s) == c.Step.CHECK_IDLE else None
    if idle is not None:
        return idle[0]
    stopping = c.stopping_since(s)
    if stopping is not None:
        return polling.first_poll(shutdown(), stopping)
    return c.not_before(s, boot(), shutdown())
