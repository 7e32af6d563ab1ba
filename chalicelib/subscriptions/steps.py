"""The SWEEP step, once the organization's AWS Marketplace subscription ended: every live
cluster and notebook of its workspaces is asked to go (clusters.commands.remove and
notebooks.commands.remove, each a removal task of its own with the reason recorded). What is
being removed already is left alone, so a sweep run again (a crash half way, the settle
sweep) requests nothing twice; a cluster that cannot be removed yet (PAUSING, STOPPING) is
named as waiting and looked at again (machine.py: RETRY_SECONDS)."""
from __future__ import annotations

from ..clusters import commands as clusters
from ..clusters.machine import ClusterStatus
from ..engine.steps import runner
from ..kernel.errors import DomainError
from ..notebooks import commands as notebooks
from ..notebooks.machine import NotebookStatus
from ..workspaces import commands as workspaces
from . import machine as m
from .machine import Step, Subscription

GOING = (ClusterStatus.TERMINATING.value, ClusterStatus.TERMINATED.value,
         NotebookStatus.TERMINATING.value, NotebookStatus.TERMINATED.value)


def _ask(kind: str, name: str, ws_name: str, status: str, remove, again) -> tuple[str, str]:
    """Ask one cluster or notebook to go: ("removed" | "waiting" | "", the task's line)."""
    where = f"{kind} {name} (workspace {ws_name}, {status})"
    if status in GOING:
        return "", ""
    try:
        remove()
    except DomainError as e:
        now = again()   # refused: removed meanwhile (fine), or not removable yet
        if now is None or now.status.value in GOING:
            return "", ""
        return "waiting", f"{where} cannot be removed yet: {e.message}"
    return "removed", f"Removal requested: {where}"


def _sweep(s: Subscription, now: float) -> list:
    removed: list[str] = []
    waiting: list[str] = []
    for ws in workspaces.live(s.organization_uuid):
        # Notebooks first: each would otherwise go with its cluster, as "with its cluster".
        found = [("notebook", nb.spec.name, nb.status.value,
                  lambda nb=nb: notebooks.remove(ws.uuid, nb.uuid, reason=m.ENDED_REASON),
                  lambda nb=nb: notebooks.get(ws.uuid, nb.uuid))
                 for nb in notebooks.live(ws.uuid)]
        found += [("cluster", c.spec.name, c.status.value,
                   lambda c=c: clusters.remove(ws.uuid, c.uuid, reason=m.ENDED_REASON),
                   lambda c=c: clusters.get(ws.uuid, c.uuid))
                  for c in clusters.live(ws.uuid)]
        for kind, name, status, remove, again in found:
            what, line = _ask(kind, name, ws.name, status, remove, again)
            if what == "removed":
                removed.append(line)
            elif what == "waiting":
                waiting.append(line)
    return m.decide_swept(s, removed, waiting, now)


run = runner({Step.SWEEP: _sweep})
