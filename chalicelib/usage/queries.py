"""Usage as users read it: the ledger's closed hours plus what is not swept yet (clusters
still running, the hour under way), computed by the same rule from the same periods, so the
figures are the ones that were, or will be, reported."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from ..engine import registry
from ..store import aggregates, service_index
from . import ledger, minutes, sweep

GROUPS = ("cluster", "instanceType", "day")


@dataclass(frozen=True)
class Usage:
    key: str
    minutes: int
    dollars: float
    name: str = ""
    kind: str = ""


def lines(organization_uuid: str, start: float, end: float, now: float,
          workspace_uuid: str | None = None) -> list[ledger.Line]:
    """The organization's (or one workspace's) lines of the hours in [start, end), the hour
    under way counted up to `now`."""
    out = ledger.between(organization_uuid, start, end)
    entries = service_index.of_organization(organization_uuid)
    rows = aggregates.get_many((e.kind, e.scope, e.uuid) for e in entries)
    until = min(end, now)
    for e in entries:
        row = rows.get((e.kind, e.scope, e.uuid))
        if row is not None:   # the hours not in the ledger yet, by the sweep's own rule
            out.extend(sweep.lines_of(e, registry.get(e.kind).load(row.state), until,
                                      minutes.hour_of(start)))
    if workspace_uuid:
        out = [line for line in out if line.workspace_uuid == workspace_uuid]
    return out


def grouped(found: list[ledger.Line], group_by: str) -> list[Usage]:
    totals: dict[str, list] = defaultdict(lambda: [0, 0.0, "", ""])
    for line in found:
        key = {"cluster": line.uuid, "instanceType": line.instance_type,
               "day": datetime.fromtimestamp(line.hour, tz=timezone.utc).date().isoformat()
               }[group_by]
        t = totals[key]
        t[0] += line.minutes
        t[1] += line.dollars
        if group_by == "cluster":
            t[2], t[3] = line.name, line.kind
    return [Usage(k, m, round(d, 2), name, kind)
            for k, (m, d, name, kind) in sorted(totals.items())]
