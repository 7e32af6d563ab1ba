"""When a notebook's waits first look at AWS, from this deployment's configuration: a new
node after a typical boot, a terminated one after a typical shutdown, a CloudFront change
(a VPC origin, a distribution, made or being removed) after a typical deployment
(kernel/config.py). The engine asks `not_before` when it commits, so the first look is
queued for then."""
from __future__ import annotations

from ..kernel import config
from . import machine as m


def not_before(s: m.Notebook) -> float | None:
    step = m.next_step(s)
    if step == m.Step.AWAIT_NODE and s.launched_at is not None and s.private_ip is None:
        return s.launched_at + config.get().boot_seconds
    if step == m.Step.AWAIT_NODE_TERMINATED and s.terminating_at is not None:
        return s.terminating_at + config.get().shutdown_seconds
    changed = {m.Step.AWAIT_VPC_ORIGIN: s.vpc_origin_at,
               m.Step.AWAIT_DISTRIBUTION: s.distribution_at,
               m.Step.DELETE_DISTRIBUTION: s.distribution_teardown_at,
               m.Step.AWAIT_VPC_ORIGIN_DELETED: s.vpc_origin_teardown_at}.get(step)
    if changed is not None:
        return changed + config.get().deploy_seconds
    return None
