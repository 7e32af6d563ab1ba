"""The state machines the engine drives, by kind (the prefix of stream keys and rows).

A concept registers its machine once, at wiring time: the pure parts from its `machine`
module, the side effects from its `steps` module. The engine imports no concept."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..kernel import state as serial
from ..store.aggregates import Placement
from ..store.queue import BadMessage


def _no_retry_note(state, step, reason, at) -> list:
    return []


def _nothing_fails(state, reason, at) -> list:
    return []


def _at_once(state) -> float | None:
    return None


@dataclass(frozen=True)
class Machine:
    kind: str
    state_class: type
    evolve: Callable[[Any, Any], Any]
    allows: Callable[[Any, Any], bool]
    next_step: Callable[[Any], Any]
    run: Callable[[Any, Any], Any]          # (step, state) -> [events] | Wait
    # (state, step, reason, at) -> events recording why a failed step waits (may be none)
    retrying: Callable[[Any, Any, str, float], list] = field(default=_no_retry_note)
    # (state, reason, at) -> the events that end the state FAILED when a step keeps failing
    # (a launch), or none when it can only be retried (a teardown)
    failed: Callable[[Any, str, float], list] = field(default=_nothing_fails)
    # Where the state stands among others (all optional): `live(state)`, whether it still
    # counts as alive in its scope (listed apart, counted); `accepts(state)`, for a container
    # (a workspace), whether new children may be created in it; `container(state)`, for a
    # child (a cluster), the (kind, scope, uuid) of the container it must be created in, whose
    # kind is `container_kind`.
    live: Callable[[Any], bool] | None = None
    accepts: Callable[[Any], bool] | None = None
    container: Callable[[Any], tuple[str, str, str]] | None = None
    container_kind: str | None = None
    # (state) -> the organization it is metered for once its instances have been in service
    # (a cluster that ran), else None: the store lists it in the service index, for
    # metering, from the append that made it so.
    metered: Callable[[Any], str | None] | None = None
    # (state) -> the groups a new row is filed under in its scope (store.aggregates.group_rows)
    groups: Callable[[Any], tuple[str, ...]] | None = None
    # (state) -> the time before which its pending step would find nothing new (the first
    # look at a booting fleet), or None: the step is then queued to run at that time
    not_before: Callable[[Any], float | None] = field(default=_at_once)

    def load(self, data: dict) -> Any:
        return serial.load(self.state_class, data)

    @staticmethod
    def dump(state: Any) -> dict:
        return serial.dump(state)

    def place(self, state: Any) -> Placement:
        status = getattr(state, "status", None)
        return Placement(
            status=getattr(status, "value", status),
            live=self.live(state) if self.live else None,
            accepting=self.accepts(state) if self.accepts else None,
            container=self.container(state) if self.container else None,
            metered=self.metered(state) if self.metered else None,
            children=tuple(k for k, m in _machines.items() if m.container_kind == self.kind),
            groups=self.groups(state) if self.groups else ())


_machines: dict[str, Machine] = {}


def register(machine: Machine) -> None:
    """Make `machine` drivable (again: the same kind twice keeps the latest, for tests)."""
    _machines[machine.kind] = machine


def get(kind: str) -> Machine:
    try:
        return _machines[kind]
    except KeyError:
        raise BadMessage(f"unknown kind {kind!r}") from None
