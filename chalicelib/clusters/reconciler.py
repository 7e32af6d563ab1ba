"""The reconciler's side effect (its machine is reconcile.py; commands.create arms it when a
cluster is requested in a region): one pass (the RECONCILE step, run by the engine when due): find
what Corral made for clusters in the organization's account and region (cloud/orphans.py; the
entry points of their notebooks, global, tagged with the region: cloud/entry_point.py), look
each cluster up in the platform, remove what no live cluster owns, record it.

A pass that cannot reach the account (unlinked, link failing, throttled) waits for the next
interval instead of retrying every half minute: it is a safety net, nothing waits for it."""
from __future__ import annotations

import logging

from ..cloud import entry_point, orphans
from ..cloud.sessions import customer_client
from ..engine.steps import Wait, runner
from ..kernel.errors import CloudError
from ..kernel.ids import new_uuid
from ..linking.links import link_for
from ..workspaces import commands as workspaces
from . import commands as clusters
from . import reconcile as r
from .reconcile import Reconciler, Step

log = logging.getLogger("corral.reconciler")


def _owners(found: list[orphans.Tagged]) -> dict[str, str | None]:
    """Each cluster's status in the platform (None: no such cluster). A resource without the
    workspace tag cannot be looked up: its cluster is left out (never removed)."""
    owners: dict[str, str | None] = {}
    for res in found:
        if res.cluster_uuid in owners or not res.workspace_uuid:
            continue
        cluster = clusters.get(res.workspace_uuid, res.cluster_uuid)
        owners[res.cluster_uuid] = cluster.status.value if cluster else None
    return owners


def _clusters_live_in(org_uuid: str, region: str) -> bool:
    return any(clusters.live_names(org_uuid, ws.uuid)
               for ws in workspaces.live(org_uuid) if ws.region == region)


def _pass(s: Reconciler, now: float):
    try:
        link = link_for(s.organization_uuid)
        ec2 = customer_client(link, "ec2", s.region)
        cloudfront = customer_client(link, "cloudfront", entry_point.REGION)
        found = orphans.find(ec2, s.organization_uuid)
        found += entry_point.tagged(cloudfront, s.organization_uuid, s.region)
    except CloudError as e:
        if e.code == "AccountNotLinked":   # nothing reachable: idle until the next cluster
            return [r.PassCompleted(new_uuid(), (), {}, False, now), r.ReconcilerIdle(now)]
        log.warning("reconciler %s %s: %s; next pass in %ss", s.organization_uuid, s.region,
                    e.reason, r.INTERVAL_SECONDS)
        return Wait(r.INTERVAL_SECONDS, e.reason)
    decided = r.plan(found, _owners(found), s.first_seen, now)
    entries = [res for res, _ in decided.remove if res.kind in r.ENTRY_POINT]
    others = [res for res, _ in decided.remove if res.kind not in r.ENTRY_POINT]
    failed = orphans.remove(ec2, others) if others else {}
    done: dict[str, str] = {}
    if entries:
        try:
            done = entry_point.advance(cloudfront, entries)
        except CloudError as e:     # said, and left to the next pass
            failed.update({res.id: e.reason for res in entries})
    lines = tuple(r.said(res, why, failed.get(res.id), done.get(res.id))
                  for res, why in decided.remove)
    for line in lines:
        log.warning("reconciler %s %s: %s", s.organization_uuid, s.region, line)
    # A removal AWS refused is said and left to the next hourly pass (not a minute loop).
    events: list = [r.PassCompleted(new_uuid(), lines, decided.first_seen, decided.more, now)]
    if not found and not _clusters_live_in(s.organization_uuid, s.region):
        events.append(r.ReconcilerIdle(now))
    return events


run = runner({Step.RECONCILE: _pass})
