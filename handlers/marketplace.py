"""AWS Marketplace's subscription events on EventBridge (source aws.agreement-marketplace, on
the seller account's default bus in us-east-1): the rule in .chalice/merge-template.json
invokes this function with each event, and it goes the same way as an SNS notification
(chalicelib.subscriptions.inbox). Local mode's marketplace calls `on_marketplace_event` the
same way (local/marketplace.py).

An event that cannot be read is kept and returned as refused (a retry would not help); an
error anywhere else raises, so Lambda retries the event, then sends it to the dead-letter
queue: nothing is lost."""
from __future__ import annotations

import logging

from chalice import Blueprint

from chalicelib.kernel import logs
from chalicelib import bootstrap
from chalicelib.subscriptions import inbox

blueprint = Blueprint(__name__)
log = logging.getLogger("corral.marketplace")
FUNCTION_NAME = "marketplace_events"
bootstrap.wire()


def handle(event) -> dict:
    outcome = inbox.from_eventbridge(event)
    log.info("%s %s: %s", event.get("detail-type") if isinstance(event, dict) else "?",
             event.get("id") if isinstance(event, dict) else "?", outcome)
    return outcome


@blueprint.lambda_function(name=FUNCTION_NAME)
def on_marketplace_event(event, context):
    with logs.context(request_id=getattr(context, "aws_request_id", None),
                      handler="marketplace_events"):
        return handle(event)
