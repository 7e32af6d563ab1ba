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
import time

from chalice import Blueprint, Rate

from chalicelib import bootstrap
from chalicelib.engine import driver as engine
from chalicelib.kernel import clock, logs
from chalicelib.spend_caps import enforcement as spend_caps
from chalicelib.usage import metering

blueprint = Blueprint(__name__)
log = logging.getLogger("corral.tick")
bootstrap.wire()


def tick() -> int:
    """Re-drive what is overdue, then the hourly metering and the spend caps. Each part's
    failure is logged and left to the next tick: the others still run."""
    now = clock.now()
    started = time.perf_counter()
    with logs.context(handler="tick"):
        count = engine.redrive(now)
        for name, part in (("metering", metering.run),
                           ("spend caps", spend_caps.run)):  # past the cap: clusters paused
            try:
                part(now)
            except Exception:  # noqa: BLE001 - the next tick does it again
                log.exception("%s failed; the next tick tries again", name)
        if count:
            log.info("re-drove %d overdue step(s)", count, extra={"fields": {
                "redriven": count,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)}})
    return count


@blueprint.schedule(Rate(1, unit=Rate.MINUTES), name="tick")
def on_tick(event):
    with logs.context(request_id=logs.lambda_request_id(event)):
        tick()
