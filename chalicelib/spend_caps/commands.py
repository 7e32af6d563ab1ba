"""Spend cap commands and reads: set and remove a workspace's cap, where each workspace stands
this month (rule.py), the check that refuses new work in a workspace past its cap
(kernel.admission), the banners of the organization's pages and its Settings section.

Caps are plain rows in one small partition, (spendcaps, <organization>#<workspace>): an
admin writes one when setting a cap, rarely; the minute tick reads them all in one (paged)
Query, and an organization's pages read theirs with one Query on the sort key's prefix. No
Scan anywhere. A workspace's use is read from usage (queries.lines: the ledger's closed hours
plus what runs now, by the metering rule), one organization at a time.

Public surface for other concepts: refusal, banners, settings_section, caps, standings."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

from ..kernel import admission, clock
from ..kernel.errors import DomainError
from ..store import records
from ..usage import queries, rates
from ..web.banners import ALERT, WARNING, Banner
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from .rule import Cap, Level, Standing, check_hours, month_of

PK = "spendcaps"
KIND = "spendcap"
REFUSAL_CODE = "SpendCapReached"


def _sk(org_uuid: str, ws_uuid: str) -> str:
    return f"{org_uuid}#{ws_uuid}"


# ---- the caps -----------------------------------------------------------------------------

def get_cap(org_uuid: str, ws_uuid: str) -> Cap | None:
    found = records.get_record(PK, _sk(org_uuid, ws_uuid))
    return Cap(**found) if found else None


def caps(org_uuid: str | None = None) -> list[Cap]:
    """The organization's caps (every cap: None), one paged Query."""
    return [Cap(**body) for body in records.query_records(PK, f"{org_uuid}#" if org_uuid else "")]


def set_cap(ws: Workspace, instance_hours: float, by: str) -> Cap:
    """Set (or change) the workspace's monthly cap. Raising it lets paused clusters resume at
    once; lowering it below the month's use pauses them at the next tick."""
    if ws.status in (WorkspaceStatus.TERMINATING, WorkspaceStatus.TERMINATED):
        raise DomainError(f"Workspace {ws.name} is {ws.status.value}: it needs no spend cap.")
    cap = Cap(ws.organization_uuid, ws.uuid, ws.name, check_hours(instance_hours), by,
              clock.now())
    records.put_record(PK, _sk(ws.organization_uuid, ws.uuid), KIND, asdict(cap))
    return cap


def remove_cap(ws: Workspace) -> None:
    """Remove the cap (none is no error): nothing limits the workspace any more."""
    records.delete_records([(PK, _sk(ws.organization_uuid, ws.uuid))])


# ---- where workspaces stand ---------------------------------------------------------------

def standings(org_uuid: str, named: dict[str, str], found: list[Cap] | None = None,
              now: float | None = None) -> list[Standing]:
    """This month's standing of each workspace in `named` ({uuid: name}), with its cap from
    `found` (read when not given): the organization's usage is read once for them all."""
    now = clock.now() if now is None else now
    start, end, month = month_of(now)
    by_ws = {c.workspace_uuid: c for c in (caps(org_uuid) if found is None else found)}
    used: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for line in queries.lines(org_uuid, start, end, now):
        used[line.workspace_uuid][0] += line.minutes
        used[line.workspace_uuid][1] += line.dollars
    default = rates.table().default.hourly
    return [Standing(ws_uuid, name, month, by_ws.get(ws_uuid), used[ws_uuid][0],
                     round(used[ws_uuid][1], 2), default)
            for ws_uuid, name in named.items()]


def standing(ws: Workspace, now: float | None = None) -> Standing:
    cap = get_cap(ws.organization_uuid, ws.uuid)
    return standings(ws.organization_uuid, {ws.uuid: ws.name},
                     [cap] if cap else [], now)[0]


def capped(org_uuid: str, now: float | None = None) -> list[Standing]:
    """The standings of the organization's capped workspaces (no read of usage when none)."""
    found = caps(org_uuid)
    if not found:
        return []
    return standings(org_uuid, {c.workspace_uuid: c.workspace_name for c in found}, found, now)


def refusal(org_uuid: str, ws_uuid: str) -> admission.Refusal | None:
    """Why no new work may start in the workspace (kernel.admission), or None: one read when
    it has no cap."""
    cap = get_cap(org_uuid, ws_uuid)
    if cap is None:
        return None
    why = standings(org_uuid, {ws_uuid: cap.workspace_name}, [cap])[0].refusal()
    return admission.Refusal(REFUSAL_CODE, why) if why else None


# ---- what the pages show ------------------------------------------------------------------

def banners(org_uuid: str) -> list[Banner]:
    """A banner per workspace at WARNING or past its cap, on every page of the organization
    (web.banners)."""
    return [Banner(ALERT if s.level == Level.EXCEEDED else WARNING,
                   f"spend-cap-{s.workspace_uuid}", s.message())
            for s in capped(org_uuid) if s.level in (Level.WARNING, Level.EXCEEDED)]


TEMPLATE = "spend_caps_section.html"


def settings_section(org_uuid: str, user) -> dict:
    """Each live workspace's cap and use this month, for the Settings page's form."""
    live = workspaces.live(org_uuid)
    rows = standings(org_uuid, {ws.uuid: ws.name for ws in live})
    return {"month": rows[0].month if rows else month_of(clock.now())[2], "rows": rows}
