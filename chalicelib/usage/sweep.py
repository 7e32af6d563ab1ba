"""The hourly sweep: the ledger rows of every hour that has closed, from the service periods of
every aggregate in the service index (store/service_index.py).

The tick calls `run(now)` every minute; it costs one GetItem until an hour has closed (plus
SETTLE_SECONDS, so that a pause requested at 10:59:59 is in its cluster's state before hour 10
is counted). Then, for every listed aggregate: its projection row (BatchGetItem, 100 to a
request), its minutes in each closed hour it has not been metered for (minutes.by_hour), the
ledger rows (BatchWriteItem, 25 to a request), and its entry moved on, or removed once it
has ended. A sweep that runs late catches up every hour it missed; one that runs twice, or
two at once, write the same absolute rows again; one that crashes halfway is done again by
the next tick, the entries it moved on skipping what they have.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from ..engine import registry
from ..kernel.service import in_service
from ..store import aggregates, records, service_index
from . import ledger, minutes, rates

log = logging.getLogger("corral.usage")
SETTLE_SECONDS = 120
MARK = ("usagemark#sweep", "usagemark")
BATCH_GET = 100


@dataclass(frozen=True)
class Swept:
    through: float      # every hour before this one is in the ledger
    entries: int        # aggregates looked at
    lines: int          # ledger rows written
    removed: int        # entries of ended aggregates, fully metered, unlisted


def swept_through() -> float | None:
    mark = records.get_record(*MARK)
    return mark.get("through") if mark else None


def due(now: float) -> float | None:
    """The hour start up to which a sweep is due now, or None when nothing closed since the
    last one."""
    closed = minutes.hour_of(now - SETTLE_SECONDS)
    done = swept_through()
    return closed if done is None or closed > done else None


def run(now: float) -> Swept | None:
    """Sweep every closed hour not swept yet. None when there was nothing to do."""
    closed = due(now)
    if closed is None:
        return None
    entries = list(service_index.entries())
    lines: list[ledger.Line] = []
    moved: list[service_index.Entry] = []
    ended: list[service_index.Entry] = []
    for start in range(0, len(entries), BATCH_GET):
        chunk = entries[start:start + BATCH_GET]
        rows = aggregates.get_many((e.kind, e.scope, e.uuid) for e in chunk)
        for entry in chunk:
            row = rows.get((entry.kind, entry.scope, entry.uuid))
            if row is None:      # listed in the transaction that wrote it: cannot happen
                log.error("service index lists %s %s with no row", entry.kind, entry.uuid)
                continue
            machine = registry.get(entry.kind)
            state = machine.load(row.state)
            lines.extend(lines_of(entry, state, closed))
            if entry.through is None or entry.through < closed:
                if _finished(machine, state, closed):
                    ended.append(entry)
                else:
                    moved.append(replace(entry, through=closed))
    written = ledger.write(lines)
    service_index.advance(moved)
    removed = service_index.remove(ended)
    records.put_record(*MARK, "usagemark", {"through": max(closed, swept_through() or 0.0)})
    log.info("usage sweep through %s: %d aggregate(s), %d ledger row(s), %d ended",
             ledger.hour_label(closed), len(entries), written, removed)
    return Swept(closed, len(entries), written, removed)


def lines_of(entry: service_index.Entry, state: Any, until: float,
             not_before: float = 0.0) -> list[ledger.Line]:
    """The ledger rows of the hours from the entry's mark (or `not_before`, if later) up to
    `until`: final for hours that ended by then, counted up to `until` for one under way."""
    service = state.service
    if not service:
        return []
    since = entry.through if entry.through is not None else minutes.hour_of(service[0].start)
    since = max(since, not_before)
    if since >= until:
        return []
    out = []
    for (hour, instance_type), count in sorted(minutes.by_hour(service, since, until).items()):
        rate = rates.of(instance_type)
        out.append(ledger.Line(
            organization_uuid=state.organization_uuid, workspace_uuid=state.workspace_uuid,
            hour=hour, kind=entry.kind, uuid=entry.uuid, name=state.spec.name,
            instance_type=instance_type, minutes=count, dimension=rate.dimension,
            dollars=rate.dollars(count)))
    return out


def _finished(machine: registry.Machine, state: Any, closed: float) -> bool:
    """Ended (no longer alive) and out of service before `closed`: nothing more to meter."""
    alive = machine.live(state) if machine.live else True
    last = state.service[-1] if state.service else None
    return (not alive and not in_service(state.service)
            and (last is None or (last.end or 0.0) <= closed))
