"""The SQS worker: one message, one step (see chalicelib.engine.driver.drive).

A malformed message raises, so SQS retries it and then moves it to the dead-letter queue,
where it is kept for a person to read: nothing is silently dropped."""
from __future__ import annotations

import logging
import time

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.engine import driver as engine
from chalicelib.kernel import logs
from chalicelib.store import queue

blueprint = Blueprint(__name__)
log = logging.getLogger("corral.worker")
QUEUE_NAME = "corral-work"
bootstrap.wire()


def handle(records) -> list[str]:
    """Drive every record's step; returns what happened to each (for logs and tests)."""
    outcomes = []
    for record in records:
        work = queue.parse(record.body)
        started = time.perf_counter()
        with logs.context(kind=work.kind, scope=work.scope, uuid=work.uuid,
                          version=work.version):
            outcome = engine.drive(work)
            log.info("%s %s v%s: %s", work.kind, work.uuid, work.version, outcome,
                     extra={"fields": {"outcome": outcome, "duration_ms":
                                       round((time.perf_counter() - started) * 1000, 1)}})
        outcomes.append(outcome)
    return outcomes


@blueprint.on_sqs_message(queue=QUEUE_NAME, batch_size=1)
def on_work(event):
    with logs.context(request_id=logs.lambda_request_id(event)):
        handle(event)
