"""The reconciler's state machine (pure): one aggregate per (organization, region), in the
organization's scope, that every INTERVAL_SECONDS looks for what Corral made for clusters there
and removes what no live cluster owns: resources tagged with a cluster that is TERMINATED, or
that the platform does not know (a crash between a launch and its recorded result, a row lost).

Armed (WATCHING) when a cluster is requested in the region; each pass is one step, run by the
engine when the due index says it is time (so at most one pass per INTERVAL_SECONDS per
organization and region, whatever the tick does), and one event recording what it removed and
why, with a task the organization sees (GET /v1/tasks) when it removed anything. A pass that
finds nothing of any cluster in a region where no cluster lives leaves it IDLE until the next
cluster is requested there.

A pass removes in dependency order, one layer per pass: a cluster's instances first; once none
is left (terminated), its interfaces, addresses, launch template and placement group; its
security group once no interface holds it. The CloudFront entry points of its notebooks
(global, found by their tags for this region) are moved on in every pass, as far as
CloudFront lets them go (a distribution disabled, then deleted once that is deployed; a VPC
origin deleted once no distribution names it): passes come soon while any is left. A crash in a pass loses nothing: the next one finds
what is left by tag and goes on. Resources younger than GRACE_SECONDS are left alone (a
cluster being created may not have recorded them yet); where AWS gives no creation time, the
first pass that saw anything of the cluster stands for it.
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Iterable

from ..kernel import table
from ..kernel.events import event
from ..kernel.task import CarriesTasks, Task, TaskMove

KIND = "reconciler"
OPERATION = "REMOVE_ORPHANED_RESOURCES"
# A pass costs six Describe calls (and a DynamoDB read per cluster found) in the customer's
# account: hourly per organization and region, as an AMI share re-verifies. What it finds is
# rare (a crash mid-launch, a removal lost), and the removals it starts follow a minute apart.
INTERVAL_SECONDS = 60 * 60
SOON_SECONDS = 60              # the next layer (or the rest of a large backlog) comes sooner
GRACE_SECONDS = 10 * 60        # a creation records its resources well within this
MAX_CLUSTERS_PER_PASS = 50     # bounded work per pass: a larger backlog goes over some passes
NAMESPACE = uuidlib.UUID("5b7f0e1c-8a43-4d2e-9c61-2f0d3e8a7b45")

# The kinds a cluster makes, as cloud/orphans.py names them.
INSTANCE = "instance"
INTERFACE = "network-interface"
SECURITY_GROUP = "security-group"
ENTRY_POINT = ("distribution", "vpc-origin")   # cloud/entry_point.py's kinds
NAMES = {"distribution": "Distribution", "vpc-origin": "VPC origin"}
INSTANCE_GONE = ("terminated",)
REMOVABLE_INSTANCE_STATES = ("pending", "running", "stopping", "stopped")


def reconciler_uuid(org_uuid: str, region: str) -> str:
    """One reconciler per (organization, region), found without a lookup table."""
    return str(uuidlib.uuid5(NAMESPACE, f"{org_uuid}/{region}"))


class ReconcilerStatus(str, Enum):
    WATCHING = "WATCHING"
    IDLE = "IDLE"


S = ReconcilerStatus


class Step(str, Enum):
    RECONCILE = "RECONCILE"


# ---- events -------------------------------------------------------------------------------

@event
class ReconcilerArmed:
    """A cluster was requested in the region: passes run from now on."""
    reconciler_uuid: str
    organization_uuid: str
    region: str
    at: float


@event
class PassCompleted:
    """One pass: `removed`, a line per resource removed (or that could not be) and why;
    `first_seen`, cluster uuid -> how old its resources are known to be (the
    oldest creation time AWS gave, or the first pass that saw any of them); `more`, whether something is left for a pass soon (the next layer, a backlog)."""
    task_uuid: str
    removed: tuple[str, ...]
    first_seen: dict
    more: bool
    at: float


@event
class ReconcilerIdle:
    """Nothing of any cluster is left in the region and no cluster lives there."""
    at: float


TRANSITIONS = {
    (None, ReconcilerArmed): S.WATCHING,
    (S.IDLE, ReconcilerArmed): S.WATCHING,
    (S.WATCHING, PassCompleted): S.WATCHING,
    (S.WATCHING, ReconcilerIdle): S.IDLE,
}


@dataclass(frozen=True)
class Reconciler(CarriesTasks):
    uuid: str
    organization_uuid: str
    region: str
    status: ReconcilerStatus
    created_at: float
    updated_at: float
    in_state_since: float = 0.0
    armed_at: float = 0.0
    last_pass_at: float | None = None
    more: bool = False
    first_seen: dict = field(default_factory=dict)
    passes: int = 0
    removed_count: int = 0
    tasks: tuple[Task, ...] = ()


def allows(state: Reconciler | None, e: Any) -> bool:
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: Reconciler | None, e: Any) -> Reconciler:
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, ReconcilerArmed):
        if state is None:
            return Reconciler(e.reconciler_uuid, e.organization_uuid, e.region, status,
                              created_at=e.at, updated_at=e.at, in_state_since=e.at,
                              armed_at=e.at)
        return table.stamp(state, replace(state, armed_at=e.at), status, e.at)
    assert state is not None
    if isinstance(e, PassCompleted):
        s = replace(state, last_pass_at=e.at, more=e.more, first_seen=dict(e.first_seen),
                    passes=state.passes + 1, removed_count=state.removed_count + len(e.removed))
        if e.removed:
            s = s.open_task(e.task_uuid, OPERATION, e.at, "Superseded", details=(
                f"Removing resources in {state.region} that no live cluster owns",
                *e.removed)).with_task(TaskMove.FINISH, None, e.at)
        return table.stamp(state, s, status, e.at)
    return table.stamp(state, replace(state, more=False, first_seen={}), status, e.at)


def decide_arm(state: Reconciler | None, org_uuid: str, region: str, at: float) -> list:
    """A cluster is requested in the region: watch it (nothing new while watching)."""
    if state is not None and state.status == S.WATCHING:
        return []
    return [ReconcilerArmed(reconciler_uuid(org_uuid, region), org_uuid, region, at)]


def next_step(s: Reconciler) -> Step | None:
    return Step.RECONCILE if s.status == S.WATCHING else None


def not_before(s: Reconciler) -> float | None:
    """When the next pass is due: INTERVAL_SECONDS after the last one (or after arming),
    SOON_SECONDS when the last left a next layer or a backlog."""
    if s.status != S.WATCHING:
        return None
    last = s.last_pass_at if s.last_pass_at is not None else s.armed_at
    return last + (SOON_SECONDS if s.more else INTERVAL_SECONDS)


# ---- one pass's decision ------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """What a pass removes (resource, why), how old each orphaned cluster is (uuid -> time), and whether
    something is left for a pass soon."""
    remove: tuple[tuple[Any, str], ...]
    first_seen: dict
    more: bool


def plan(found: Iterable[Any], owners: dict[str, str | None], first_seen: dict, now: float,
         grace: float = GRACE_SECONDS, limit: int = MAX_CLUSTERS_PER_PASS) -> Plan:
    """Decide a pass. `found`: resources with kind, id, cluster_uuid, created_at, state (as
    cloud/orphans.Tagged); `owners`: cluster uuid -> its status ("TERMINATED", another
    status, or None when the platform has no such cluster); a cluster missing from `owners`
    is never touched. `first_seen`: what earlier passes knew of each cluster's age."""
    by_cluster: dict[str, list[Any]] = {}
    for r in found:
        by_cluster.setdefault(r.cluster_uuid, []).append(r)
    seen, remove, more, acted = {}, [], False, 0
    for cluster, resources in sorted(by_cluster.items()):
        if cluster not in owners or owners[cluster] not in (None, "TERMINATED"):
            continue   # a live cluster (or one not looked up): its own machine owns it
        # The cluster's age: its oldest resource's creation time where AWS gives one, or the
        # first pass that saw anything of it (kept as its layers go, resource by resource).
        oldest = min([first_seen.get(cluster, now)] + [
            r.created_at for r in resources if r.created_at is not None])
        seen[cluster] = oldest
        if now - oldest < grace:   # the next pass (after the grace) looks again
            continue
        if acted >= limit:
            more = True
            continue
        acted += 1
        why = (f"cluster {cluster} is TERMINATED" if owners[cluster] == "TERMINATED"
               else f"cluster {cluster} is unknown to the platform")
        layer = _layer(resources)
        remove += [(r, why) for r in layer]
        # Soon again while instances shut down, or when this layer opens the next; an
        # interface held by something else waits for the hourly pass, not a minute loop.
        more = (more or any(r.kind in (INSTANCE, *ENTRY_POINT) for r in resources)
                or bool(layer) and len(layer) < len(resources))
    return Plan(tuple(remove), seen, more)


def _layer(resources: list[Any]) -> list[Any]:
    """What of one cluster can go now: its entry points, step by step, in every pass; its
    instances while any is left; then what they held (interfaces no longer in use,
    addresses, the template, the placement group); its security groups once no interface
    is left."""
    entry = [r for r in resources if r.kind in ENTRY_POINT]
    resources = [r for r in resources if r.kind not in ENTRY_POINT]
    instances = [r for r in resources if r.kind == INSTANCE and r.state not in INSTANCE_GONE]
    if instances:
        return entry + [r for r in instances if r.state in REMOVABLE_INSTANCE_STATES]
    interfaces = [r for r in resources if r.kind == INTERFACE]
    return entry + [r for r in resources
                    if r.kind not in (INSTANCE, INTERFACE, SECURITY_GROUP)
                    or (r.kind == INTERFACE and r.state == "available")
                    or (r.kind == SECURITY_GROUP and not interfaces)]


def said(r: Any, why: str, failure: str | None = None, done: str | None = None) -> str:
    """The task's line for one resource (`done`: what a step of a longer removal did)."""
    if done is not None and not failure:
        return f"{NAMES.get(r.kind, r.kind.capitalize())} {r.id} {done}: {why}"
    verb = "Terminated" if r.kind == INSTANCE else "Removed"
    if failure:
        return f"Could not remove {r.kind} {r.id} ({why}): {failure}; the next pass retries"
    return f"{verb} {r.kind} {r.id}: {why}"
