"""What the minute tick does for spend caps: every capped workspace past its cap has its
running clusters paused and its notebooks removed, through their own commands (the engine),
with the reason recorded in each one's task: "Pause because the workspace's monthly spend cap
of N instance-hours is reached".

It is level-triggered, like the rest of the tick: each tick looks again at what runs now, so
a pass cut short (a crash, a timeout, a throttled call) is finished by the next one, and a
cluster that reaches RUNNING after a pass (a creation or a resume begun before the cap was
reached) is paused by the next. Nothing is asked twice: only a RUNNING cluster is asked to
pause and only a READY notebook to go, and the engine decides on the state it commits to, so
a second pass racing the first finds the cluster PAUSING and its request is refused (a
DomainError, passed over).

Why notebooks are removed and not paused: a notebook is one node running Jupyter, which has
no pause; its files are on the organization's /shared (EFS), which stays, so nothing but the
Jupyter session goes. Its node is charged while READY, so it must stop for the spend to stop.

Costs per tick: one paged Query of the caps, then per organization with caps one read of its
usage (usage.queries.lines), and per workspace past its cap two Queries (its live clusters and
notebooks)."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from ..clusters import commands as clusters
from ..clusters.machine import ClusterStatus
from ..kernel.errors import DomainError
from ..notebooks import commands as notebooks
from ..notebooks.machine import NotebookStatus
from . import commands
from .rule import Level, Standing, reached

log = logging.getLogger("corral.spend_caps")


@dataclass(frozen=True)
class Enforced:
    exceeded: int      # workspaces past their cap
    paused: int        # clusters asked to pause by this pass
    removed: int       # notebooks asked to go by this pass
    failed: int        # organizations whose pass failed (the next tick tries again)


def run(now: float) -> Enforced:
    by_org = defaultdict(list)
    for cap in commands.caps():
        by_org[cap.organization_uuid].append(cap)
    exceeded = paused = removed = failed = 0
    for org_uuid, found in by_org.items():
        try:
            for s in commands.standings(
                    org_uuid, {c.workspace_uuid: c.workspace_name for c in found}, found, now):
                if s.level == Level.EXCEEDED:
                    exceeded += 1
                    p, r = enforce(s)
                    paused, removed = paused + p, removed + r
        except Exception:  # noqa: BLE001 - one organization must not stop the others
            failed += 1
            log.exception("spend caps of organization %s: the next tick tries again", org_uuid)
    if paused or removed:
        log.info("spend caps: %d workspace(s) past their cap, %d cluster(s) paused, "
                 "%d notebook(s) removed", exceeded, paused, removed)
    return Enforced(exceeded, paused, removed, failed)


def enforce(s: Standing) -> tuple[int, int]:
    """Pause the workspace's RUNNING clusters and remove its READY notebooks (what is charged):
    (how many clusters, how many notebooks) were asked by this call."""
    assert s.cap is not None
    reason = f"because {reached(s.cap)}"
    asked = []
    for live, charged, stop in ((clusters.live, ClusterStatus.RUNNING, clusters.pause),
                                (notebooks.live, NotebookStatus.READY, notebooks.remove)):
        count = 0
        for found in live(s.workspace_uuid):
            if found.status != charged:
                continue
            try:
                count += stop(s.workspace_uuid, found.uuid, reason=reason) is not None
            except DomainError:
                pass    # no longer charged (paused or removed by a racing pass): nothing to ask
        asked.append(count)
    return asked[0], asked[1]
