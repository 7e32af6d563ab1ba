"""The SQS worker: one message, one step (see chalicelib.engine.driver.drive).

A malformed message raises, so SQS retries it and then moves it to the dead-letter queue,
where it is kept for a person to read: nothing is silently dropped."""
from __future__ import annotations

import logging

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.engine import driver as engine
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
        outcome = engine.drive(work)
        log.info("%s %s v%s: %s", work.kind, work.uuid, work.version, outcome)
        outcomes.append(outcome)
    return outcomes


@blueprint.on_sqs_message(queue=QUEUE_NAME, batch_size=1)
def on_work(event):
    handle(event)
