"""The AWS Marketplace's SNS notifications (a public route: the message's signature is its
credential, inbox.py checks it), and the organization's subscription as its people see it."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view
from ..identity.caller import caller
from ..kernel.times import iso
from . import commands, inbox
from .machine import refusal

bp = Blueprint(__name__)
NOTIFICATIONS_PATH = "/marketplace/notifications"
# SNS posts its JSON documents as text/plain; charset=UTF-8.
SNS_CONTENT_TYPES = ["text/plain", "application/json"]


@bp.route(NOTIFICATIONS_PATH, methods=["POST"], content_types=SNS_CONTENT_TYPES)
@json_view
def marketplace_notification():
    request = bp.current_request
    return inbox.from_sns(body(request), request.headers.get("x-amz-sns-message-type"))


@bp.route("/v1/subscription", methods=["GET"])
@json_view
def get_subscription():
    """The caller's organization's AWS Marketplace subscription (organization keys, workspace
    keys and signed-in people alike): NONE for an organization not sold through it."""
    found = commands.get(caller(bp.current_request).organization_uuid)
    if found is None:
        return {"status": "NONE", "message": "This organization was not registered through "
                "the AWS Marketplace: nothing limits it."}
    why = refusal(found)
    return {"status": found.status.value, "customerIdentifier": found.customer_identifier,
            "accountId": found.account_id, "inStateSince": iso(found.in_state_since),
            "message": f"New work is refused: {why[1]}" if why else
            "Clusters, notebooks and jobs can be created.",
            "history": [{"action": h.action, "via": h.via, "detail": h.detail,
                         "sentAt": iso(h.sent_at), "receivedAt": iso(h.at),
                         "outcome": h.outcome} for h in reversed(found.history)]}
