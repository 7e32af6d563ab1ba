"""When a wait looks at AWS (the nodes' readiness, the instances' termination or stop).

On AWS a node takes one to three minutes to boot and register with SSM, and a terminated
instance half a minute or more to stop: looking every few seconds from the start costs calls
and finds nothing. Each wait looks first after the typical time, then at waits growing by
half, from half that time up to twice it. Everything is derived from when the wait began (in
the state) and now, so a re-driven or a duplicate step keeps to the same schedule."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

POLL_BACKOFF = 1.5


@dataclass(frozen=True)
class Polling:
    """`expected`: the typical duration of what is waited for (the first look comes after
    it); `floor`: the shortest wait between two looks."""
    expected: float
    floor: float


def poll_offsets(p: Polling) -> Iterator[float]:
    """Seconds after the start of a wait at which it looks (endless, increasing)."""
    floor = max(p.floor, 1.0)
    cap = max(2 * p.expected, floor)
    t, wait = max(p.expected, 0.0), p.expected / 2
    while True:
        yield t
        t += min(max(wait, floor), cap)
        wait *= POLL_BACKOFF


def first_poll(p: Polling, since: float) -> float:
    return since + max(p.expected, 0.0)


def next_poll(p: Polling, since: float, now: float) -> float:
    """When to look again after a look at `now`: the next scheduled time, at least the
    floor away (a late look, say re-driven by the tick, does not bring on an early one)."""
    for offset in poll_offsets(p):
        if since + offset > now:
            return max(since + offset, now + max(p.floor, 1.0))
    raise AssertionError("unreachable")  # pragma: no cover - the offsets are endless
