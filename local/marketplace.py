"""A small AWS Marketplace for local mode and the tests: SaaS subscriptions and their
registration tokens, resolved by the ResolveCustomer extension (local/moto_ext/marketplace.py).

On AWS a buyer subscribes to the product, the Marketplace POSTs the buyer's browser to the
seller's registration URL with the form field `x-amzn-marketplace-token`, and the seller
resolves that token with ResolveCustomer. Here `create_subscription` plays the buyer's part:
it returns a fresh registration token (opaque, valid for an hour like AWS's). An account
subscribes once: subscribing again returns a new token for the same CustomerIdentifier.

State lives on moto's meteringmarketplace backend of the seller account, so it is reset with
moto like every other emulated AWS resource. `register_local_routes` adds, in local mode only,
a page that plays the Marketplace's redirect (an auto-submitting form), and a route that sends
a subscription's EventBridge events (`send`, `unsubscribe`, `resubscribe`, at the end).
"""
from __future__ import annotations

import hashlib
import html
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.kernel import clock

from .accounts import NEW_CUSTOMER_ACCOUNT_ID, PLATFORM_ACCOUNT_ID

PRODUCT_CODE = "corral"
TOKEN_TTL_SECONDS = 3600
REGION = "us-east-1"
TOKEN_FIELD = "x-amzn-marketplace-token"
ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Subscription:
    customer_identifier: str
    customer_aws_account_id: str
    product_code: str
    created_at: float
    license_arn: str = ""


class InvalidToken(Exception):
    pass


class ExpiredToken(Exception):
    pass


class _Market:
    def __init__(self) -> None:
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.tokens: dict[str, tuple[Subscription, float]] = {}   # sha256(token) -> ...
        # BatchMeterUsage: what was accepted, by (product, customer key, dimension, hour)
        self.metered: dict[tuple, "Metered"] = {}
        self.unprocessed_next = 0      # the next N records are left unprocessed (tests)
        # (product, account) -> when its license was deprovisioned: as on AWS, usage is
        # accepted for an hour after that (the seller's last report), then refused
        self.ended: dict[tuple[str, str], float] = {}


def _market(seller_account_id: str) -> _Market:
    from moto.meteringmarketplace.models import meteringmarketplace_backends
    backend = meteringmarketplace_backends[seller_account_id][REGION]
    market = backend.__dict__.get("_corral_market")
    if market is None:
        market = backend._corral_market = _Market()
    return market


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def agreement_of(customer_identifier: str) -> str:
    return f"agmt-{hashlib.sha256(customer_identifier.encode()).hexdigest()[:25]}"


def license_arn(customer_identifier: str, seller_account_id: str) -> str:
    """The subscription's license, as ResolveCustomer and the license events name it."""
    return (f"arn:aws:license-manager::{seller_account_id}:license:"
            f"l-{agreement_of(customer_identifier)[5:]}")


def create_subscription(customer_aws_account_id: str, product_code: str = PRODUCT_CODE,
                        seller_account_id: str = PLATFORM_ACCOUNT_ID) -> str:
    """Subscribe the account to the product (once) and return a new registration token."""
    if not ACCOUNT_ID.match(customer_aws_account_id or ""):
        raise ValueError(f"{customer_aws_account_id!r} is not a 12-digit AWS account id")
    market = _market(seller_account_id)
    key = (product_code, customer_aws_account_id)
    sub = market.subscriptions.get(key)
    if sub is None:
        identifier = secrets.token_hex(6)
        sub = Subscription(identifier, customer_aws_account_id, product_code, clock.now(),
                           license_arn=license_arn(identifier, seller_account_id))
        market.subscriptions[key] = sub
    token = secrets.token_urlsafe(48)
    market.tokens[_digest(token)] = (sub, clock.now() + TOKEN_TTL_SECONDS)
    return token


def subscriptions(seller_account_id: str = PLATFORM_ACCOUNT_ID) -> list[Subscription]:
    return list(_market(seller_account_id).subscriptions.values())


def resolve(token: str, seller_account_id: str) -> Subscription:
    """What ResolveCustomer answers for the seller. Raises InvalidToken or ExpiredToken."""
    found = _market(seller_account_id).tokens.get(_digest(token or ""))
    if found is None:
        raise InvalidToken("Registration token is invalid.")
    sub, expires_at = found
    if clock.now() >= expires_at:
        raise ExpiredToken("Registration token has expired.")
    return sub


@dataclass(frozen=True)
class Metered:
    """A usage record the local Marketplace accepted (what the seller's reports show)."""
    product_code: str
    customer: str           # CustomerIdentifier, or "<account id>/<license ARN>"
    dimension: str
    timestamp: float
    quantity: int
    metering_record_id: str


def find_subscription(product_code: str, customer_identifier: str = "",
                      account_id: str = "", license_arn: str = "",
                      seller_account_id: str = PLATFORM_ACCOUNT_ID) -> Subscription | None:
    for sub in _market(seller_account_id).subscriptions.values():
        if sub.product_code != product_code:
            continue
        if customer_identifier and sub.customer_identifier == customer_identifier:
            return sub
        if account_id and (sub.customer_aws_account_id, sub.license_arn) == (account_id,
                                                                             license_arn):
            return sub
    return None


METERING_AFTER_END_SECONDS = 3600


def still_metered(sub: Subscription, seller_account_id: str) -> bool:
    """Whether usage of the subscription is accepted now: while it lasts, and for an hour
    after its license was deprovisioned."""
    ended = _market(seller_account_id).ended.get((sub.product_code, sub.customer_aws_account_id))
    return ended is None or clock.now() < ended + METERING_AFTER_END_SECONDS


def meter(seller_account_id: str, product_code: str, key: tuple, quantity: int
          ) -> tuple[str, str]:
    """Record one accepted usage record: (status, MeteringRecordId) as AWS answers it. The
    same record again is accepted again with its id; another quantity for the same customer,
    dimension and hour is a DuplicateRecord."""
    market = _market(seller_account_id)
    done = market.metered.get((product_code, *key))
    if done is not None:
        return ("Success" if done.quantity == quantity else "DuplicateRecord",
                done.metering_record_id)
    record_id = secrets.token_hex(16)
    market.metered[(product_code, *key)] = Metered(product_code, key[0], key[1], key[2],
                                                   quantity, record_id)
    return "Success", record_id


def reported(seller_account_id: str = PLATFORM_ACCOUNT_ID) -> list[Metered]:
    """Every usage record the local Marketplace accepted, oldest hour first."""
    return sorted(_market(seller_account_id).metered.values(),
                  key=lambda m: (m.timestamp, m.customer, m.dimension))


def leave_unprocessed(count: int, seller_account_id: str = PLATFORM_ACCOUNT_ID) -> None:
    """Make the next `count` records sent come back as UnprocessedRecords (as AWS does on
    its side's trouble), for tests."""
    _market(seller_account_id).unprocessed_next = count


def take_unprocessed(seller_account_id: str) -> bool:
    market = _market(seller_account_id)
    if market.unprocessed_next > 0:
        market.unprocessed_next -= 1
        return True
    return False


def redirect_page(platform_url: str, token: str) -> str:
    """The Marketplace's part in the browser: POST the token to the registration URL."""
    action = html.escape(f"{platform_url.rstrip('/')}/marketplace/register", quote=True)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>AWS Marketplace (local)</title>"
        "</head><body onload='document.forms[0].submit()'>"
        "<p>AWS Marketplace (local emulator): taking you to Corral's registration page…</p>"
        f"<form method='post' action='{action}'>"
        f"<input type='hidden' name='{TOKEN_FIELD}' value='{html.escape(token, quote=True)}'>"
        "<noscript><button type='submit'>Continue</button></noscript></form></body></html>")


SUBSCRIBE_PATH = "/local/marketplace/subscribe"


def register_local_routes(app) -> str:
    """Local mode only (never packaged): GET /local/marketplace/subscribe[?account=<12 digits>]
    subscribes the account (the new, unlinked customer's by default) and sends the browser to the
    registration page on the same host, as the Marketplace does; and POST
    /local/marketplace/events (register_event_route) and GET /local/marketplace/usage
    (register_usage_route). Returns the subscribe path."""
    from chalice import Response

    @app.route(SUBSCRIBE_PATH, methods=["GET"])
    def local_marketplace_subscribe():
        request = app.current_request
        params = request.query_params or {}
        account = params.get("account") or NEW_CUSTOMER_ACCOUNT_ID
        if not ACCOUNT_ID.match(account):
            return Response(body="account must be a 12-digit AWS account id", status_code=400,
                            headers={"Content-Type": "text/plain; charset=utf-8"})
        from chalicelib.kernel import config
        platform_url = config.get().public_url    # with its stage path, if it has one
        return Response(body=redirect_page(platform_url, create_subscription(account)),
                        status_code=200, headers={"Content-Type": "text/html; charset=utf-8",
                                                  "Cache-Control": "no-store"})

    register_event_route(app)
    register_usage_route(app)
    return SUBSCRIBE_PATH


# ---- subscription events --------------------------------------------------------------------
# What AWS Marketplace sends a SaaS seller when a subscription changes, on EventBridge (source
# aws.agreement-marketplace, the seller account's default bus in us-east-1: the shapes of the
# Seller Guide's "Amazon EventBridge events"), delivered to the very function Lambda runs for
# them (handlers/marketplace.py), in this process. The hour AWS leaves between an agreement
# ending and the license being deprovisioned (the last usage report) is not waited for here:
# `unsubscribe` sends both at once; `end_agreement` and `deprovision` send one each.

EVENT_SOURCE = "aws.agreement-marketplace"
EVENTS = {
    "subscribe": ("Purchase Agreement Created - Proposer", "License Updated - Manufacturer"),
    "update-license": ("License Updated - Manufacturer",),
    "end-agreement": ("Purchase Agreement Ended - Proposer",),
    "deprovision": ("License Deprovisioned - Manufacturer",),
    "unsubscribe": ("Purchase Agreement Ended - Proposer", "License Deprovisioned - Manufacturer"),
}
_AGREEMENT_STATUS = {"Purchase Agreement Created - Proposer": "ACTIVE",
                     "Purchase Agreement Ended - Proposer": "CANCELLED"}


class NoSubscription(Exception):
    pass


def subscription_of(customer_aws_account_id: str, product_code: str = PRODUCT_CODE,
                    seller_account_id: str = PLATFORM_ACCOUNT_ID) -> Subscription:
    sub = _market(seller_account_id).subscriptions.get((product_code, customer_aws_account_id))
    if sub is None:
        raise NoSubscription(f"account {customer_aws_account_id} has no subscription to "
                             f"{product_code}")
    return sub


def agreement_event(sub: Subscription, detail_type: str,
                    seller_account_id: str = PLATFORM_ACCOUNT_ID) -> dict:
    """An EventBridge event as AWS Marketplace sends it about the subscription, now."""
    agreement_id = agreement_of(sub.customer_identifier)
    detail: dict = {
        "requestId": secrets.token_hex(16), "catalog": "AWSMarketplace",
        "agreement": {"id": agreement_id},
        "acceptor": {"accountId": sub.customer_aws_account_id},
        "proposer": {"accountId": seller_account_id},
        "offer": {"id": f"offer-{sub.product_code}"},
    }
    if detail_type in _AGREEMENT_STATUS:
        detail["agreement"]["status"] = _AGREEMENT_STATUS[detail_type]
    else:   # license events name the product and the license
        detail["product"] = {"code": sub.product_code, "id": f"prod-{sub.product_code}"}
        detail["license"] = {"arn": license_arn(sub.customer_identifier, seller_account_id)}
    now = datetime.fromtimestamp(clock.now(), tz=timezone.utc)
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type,
            "source": EVENT_SOURCE, "account": seller_account_id,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
            "resources": [f"arn:aws:aws-marketplace::aws:agreement:{agreement_id}"],
            "detail": detail}


def send(customer_aws_account_id: str, what: str, product_code: str = PRODUCT_CODE,
         seller_account_id: str = PLATFORM_ACCOUNT_ID) -> list[dict]:
    """Send the events of `what` (a key of EVENTS) for the account's subscription, in order,
    to the platform's EventBridge handler. Returns what became of each."""
    if not isinstance(what, str) or what not in EVENTS:
        raise ValueError(f"event {what!r} is not one of {', '.join(EVENTS)}")
    from handlers import marketplace as handler   # the platform's, once it is configured
    sub = subscription_of(customer_aws_account_id, product_code, seller_account_id)
    key = (product_code, customer_aws_account_id)
    market = _market(seller_account_id)
    if "License Deprovisioned - Manufacturer" in EVENTS[what]:
        market.ended[key] = clock.now()
    elif "Purchase Agreement Created - Proposer" in EVENTS[what]:
        market.ended.pop(key, None)
    return [handler.on_marketplace_event(agreement_event(sub, t, seller_account_id), None)
            for t in EVENTS[what]]


def unsubscribe(customer_aws_account_id: str, **kw) -> list[dict]:
    """The customer cancels: the agreement ends and the license is deprovisioned."""
    return send(customer_aws_account_id, "unsubscribe", **kw)


def resubscribe(customer_aws_account_id: str, **kw) -> list[dict]:
    """The customer subscribes again: a new agreement and its license."""
    return send(customer_aws_account_id, "subscribe", **kw)


EVENTS_PATH = "/local/marketplace/events"


def register_event_route(app) -> str:
    """Local mode only: POST /local/marketplace/events {"account": <12 digits>, "event": one of
    EVENTS} sends that subscription's events as AWS Marketplace would (JSON: what became of
    each). Returns the path."""
    from chalice import Response

    @app.route(EVENTS_PATH, methods=["POST"])
    def local_marketplace_events():
        body = app.current_request.json_body or {}
        account, what = body.get("account"), body.get("event")
        try:
            if not isinstance(account, str) or not ACCOUNT_ID.match(account):
                raise ValueError("account must be a 12-digit AWS account id")
            outcomes = send(account, what)
        except (ValueError, NoSubscription) as e:
            return Response(body={"error": "ValidationError", "message": str(e)},
                            status_code=400, headers={"Content-Type": "application/json"})
        return Response(body={"events": [{"detail-type": t, **o} for t, o in
                                         zip(EVENTS[what], outcomes)]},
                        status_code=200, headers={"Content-Type": "application/json"})

    return EVENTS_PATH


USAGE_PATH = "/local/marketplace/usage"


def register_usage_route(app) -> str:
    """Local mode only: GET /local/marketplace/usage, the usage records the local Marketplace
    accepted (what a seller's reports would show), oldest hour first."""
    from chalice import Response

    @app.route(USAGE_PATH, methods=["GET"])
    def local_marketplace_usage():
        from chalicelib.kernel.times import iso
        return Response(body={"records": [
            {"customer": m.customer, "dimension": m.dimension, "timestamp": iso(m.timestamp),
             "quantity": m.quantity, "meteringRecordId": m.metering_record_id}
            for m in reported()]}, status_code=200, headers={"Content-Type": "application/json"})

    return USAGE_PATH
