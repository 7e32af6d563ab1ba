"""The two ways the AWS Marketplace tells a seller about its customers, read into one Notice
(machine.py). Pure: what is read and what is refused, nothing else.

1. SNS, the topics of older listings (AWS Marketplace Seller Guide, "Amazon SNS notifications
   for SaaS products"): the message of aws-mp-subscription-notification-<product code> is
   {"action": subscribe-success | subscribe-fail | unsubscribe-pending | unsubscribe-success,
   "customer-identifier", "product-code", "offer-identifier"?, "isFreeTrialTermPresent"?},
   that of aws-mp-entitlement-notification-<product code> {"action": "entitlement-updated",
   "customer-identifier", "product-code"}. The envelope is checked first (sns.py).
2. EventBridge, on the seller account's default bus in us-east-1, source
   aws.agreement-marketplace ("Managing SaaS subscription events with Amazon EventBridge"):
   the buyer is `detail.acceptor.accountId`. AWS's own reading of each detail-type gives
   the action: an agreement created is a subscription; amended, or a license updated, an
   entitlement change; an agreement ended opens the final reporting hour (unsubscribe-pending,
   unless it ended because a new agreement replaced or renewed it: an entitlement change);
   a license deprovisioned ends the subscription (unsubscribe-success).

Anything else is refused with BadNotice saying what is wrong: callers keep it (commands.py)."""
from __future__ import annotations

import json
import re
from typing import Any

from ..kernel.times import parse_iso
from .machine import (ENTITLEMENT_UPDATED, SUBSCRIBE_SUCCESS, UNSUBSCRIBE_PENDING,
                      UNSUBSCRIBE_SUCCESS, ACTIONS, Notice)

SOURCE = "aws.agreement-marketplace"
DETAIL_TYPES = {
    "Purchase Agreement Created - Proposer": SUBSCRIBE_SUCCESS,
    "Purchase Agreement Created - Manufacturer": SUBSCRIBE_SUCCESS,
    "Purchase Agreement Amended - Proposer": ENTITLEMENT_UPDATED,
    "Purchase Agreement Amended - Manufacturer": ENTITLEMENT_UPDATED,
    "Purchase Agreement Ended - Proposer": UNSUBSCRIBE_PENDING,
    "Purchase Agreement Ended - Manufacturer": UNSUBSCRIBE_PENDING,
    "License Updated - Manufacturer": ENTITLEMENT_UPDATED,
    "License Deprovisioned - Manufacturer": UNSUBSCRIBE_SUCCESS,
}
LICENSE_EVENTS = ("License Updated - Manufacturer", "License Deprovisioned - Manufacturer")
# An agreement that ended because another took its place: the customer stays subscribed.
SUPERSEDED = ("RENEWED", "REPLACED")
SUBSCRIPTION_TOPIC = "aws-mp-subscription-notification"
ENTITLEMENT_TOPIC = "aws-mp-entitlement-notification"
CUSTOMER_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class BadNotice(Exception):
    """What a notice lacks or carries wrongly, as a sentence."""


def from_sns(message: str, topic: str, message_id: str, sent_at: float,
             product_code: str) -> Notice:
    """The notice in an SNS Notification's Message, published on `topic` (SUBSCRIPTION_TOPIC
    or ENTITLEMENT_TOPIC: each carries its own actions)."""
    try:
        body = json.loads(message)
    except ValueError:
        raise BadNotice("Message is not JSON") from None
    if not isinstance(body, dict):
        raise BadNotice("Message is not a JSON object")
    action = body.get("action")
    if action not in ACTIONS:
        raise BadNotice(f"action {_shown(action)} is not one of {', '.join(ACTIONS)}")
    expected = ENTITLEMENT_TOPIC if action == ENTITLEMENT_UPDATED else SUBSCRIPTION_TOPIC
    if topic != expected:
        raise BadNotice(f"action {action} does not come on the {topic} topic")
    customer = body.get("customer-identifier")
    if not isinstance(customer, str) or not CUSTOMER_IDENTIFIER.match(customer):
        raise BadNotice(f"customer-identifier {_shown(customer)} is not a customer identifier")
    _check_product(body.get("product-code"), product_code, required=True)
    account = body.get("customer-aws-account-id", "")
    if account and (not isinstance(account, str) or not ACCOUNT_ID.match(account)):
        raise BadNotice(f"customer-aws-account-id {_shown(account)} is not an AWS account id")
    return Notice(action, message_id, sent_at, "sns", customer_identifier=customer,
                  account_id=account, product_code=product_code, detail=f"{topic}: {action}")


def from_eventbridge(event: Any, product_code: str, seller_account_id: str) -> Notice:
    """The notice an EventBridge event from AWS Marketplace carries for this seller."""
    if not isinstance(event, dict):
        raise BadNotice("the event is not a JSON object")
    if event.get("source") != SOURCE:
        raise BadNotice(f"source {_shown(event.get('source'))} is not {SOURCE}")
    detail_type = event.get("detail-type")
    if detail_type not in DETAIL_TYPES:
        raise BadNotice(f"detail-type {_shown(detail_type)} is not a subscription event "
                        f"({', '.join(DETAIL_TYPES)})")
    event_id = event.get("id")
    if not isinstance(event_id, str) or not EVENT_ID.match(event_id):
        raise BadNotice(f"id {_shown(event_id)} is not an event id")
    if event.get("account") != seller_account_id:
        raise BadNotice(f"account {_shown(event.get('account'))} is not this platform's "
                        f"seller account {seller_account_id}")
    try:
        sent_at = parse_iso(event.get("time"))
    except ValueError as e:
        raise BadNotice(f"time: {e}") from None
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise BadNotice("detail is not a JSON object")
    account = _field(detail, "acceptor", "accountId")
    if not isinstance(account, str) or not ACCOUNT_ID.match(account):
        raise BadNotice(f"detail.acceptor.accountId {_shown(account)} is not an AWS account id")
    _check_product(_field(detail, "product", "code"), product_code,
                   required=detail_type in LICENSE_EVENTS)
    action = DETAIL_TYPES[detail_type]
    ended_as = _field(detail, "agreement", "status")
    if action == UNSUBSCRIBE_PENDING and ended_as in SUPERSEDED:
        action = ENTITLEMENT_UPDATED
    return Notice(action, event_id, sent_at, "eventbridge", account_id=account,
                  product_code=product_code, detail=detail_type)


def _check_product(found: Any, product_code: str, required: bool) -> None:
    if found is None and not required:
        return   # agreement events may not name the product: the seller sells this one
    if found != product_code:
        raise BadNotice(f"product code {_shown(found)} is not this platform's "
                        f"({product_code})")


def _field(detail: dict, outer: str, inner: str) -> Any:
    part = detail.get(outer)
    return part.get(inner) if isinstance(part, dict) else None


def _shown(value: Any) -> str:
    """A value from the wire, short and printable, for a message."""
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
