"""The minute tick (EventBridge schedule): the level-triggered safety net. It re-drives every
aggregate whose pending step is overdue, so a lost message or a crash between two steps only
delays work; it never strands a cluster. It also meters (usage/metering.py) and pauses the
running clusters of workspaces past their monthly spend cap (spend_caps/enforcement.py).

The reconciler (clusters/reconcile.py: what no live cluster owns in each organization's
account and region) rides on the same re-drive: its passes are due in the engine's due index,
hourly per organization and region, so a tick costs no AWS call for it until one is due, and
a tick's work stays bounded by the re-drive's limit whatever the number of organizations."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib import bootstrap
from chalicelib.engine import driver as engine
from chalicelib.kernel import clock
from chalicelib.spend_caps import enforcement as spend_caps
from chalicelib.usage import metering

blueprint = Blueprint(__name__)
log = logging.getLogger("corral.tick")
bootstrap.wire()


def tick() -> int:
    now = clock.now()
    count = engine.redrive(now)
    if count:
        log.info("re-drove %d overdue step(s)", count)
    try:
        metering.run(now)
    except Exception:  # noqa: BLE001 - the next tick does it again; re-driving must go on
        log.exception("metering failed; the next tick tries again")
    try:
        spend_caps.run(now)     # workspaces past their monthly cap: running clusters paused
    except Exception:  # noqa: BLE001 - as above
        log.exception("spend caps failed; the next tick tries again")
    return count


@blueprint.schedule(Rate(1, unit=Rate.MINUTES), name="tick")
def on_tick(event):
    tick()
