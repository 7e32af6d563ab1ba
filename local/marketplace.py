"""A small AWS Marketplace for local mode and the tests: SaaS subscriptions and their
registration tokens, resolved by the ResolveCustomer extension (local/moto_ext/marketplace.py).

On AWS a buyer subscribes to the product, the Marketplace POSTs the buyer's browser to the
seller's registration URL with the form field `x-amzn-marketplace-token`, and the seller
resolves that token with ResolveCustomer. Here `create_subscription` plays the buyer's part:
it returns a fresh registration token (opaque, valid for an hour like AWS's). An account
subscribes once: subscribing again returns a new token for the same CustomerIdentifier.

State lives on moto's meteringmarketplace backend of the seller account, so it is reset with
moto like every other emulated AWS resource. `register_local_routes` adds, in local mode only,
a page that plays the Marketplace's redirect (an auto-submitting form).
"""
from __future__ import annotations

import hashlib
import html
import re
import secrets
from dataclasses import dataclass

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


def _market(seller_account_id: str) -> _Market:
    from moto.meteringmarketplace.models import meteringmarketplace_backends
    backend = meteringmarketplace_backends[seller_account_id][REGION]
    market = backend.__dict__.get("_corral_market")
    if market is None:
        market = backend._corral_market = _Market()
    return market


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_subscription(customer_aws_account_id: str, product_code: str = PRODUCT_CODE,
                        seller_account_id: str = PLATFORM_ACCOUNT_ID) -> str:
    """Subscribe the account to the product (once) and return a new registration token."""
    if not ACCOUNT_ID.match(customer_aws_account_id or ""):
        raise ValueError(f"{customer_aws_account_id!r} is not a 12-digit AWS account id")
    market = _market(seller_account_id)
    key = (product_code, customer_aws_account_id)
    sub = market.subscriptions.get(key)
    if sub is None:
        sub = Subscription(secrets.token_hex(6), customer_aws_account_id, product_code,
                           clock.now(), license_arn=(
                               f"arn:aws:license-manager::{seller_account_id}:license:"
                               f"l-{secrets.token_hex(16)}"))
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
    registration page on the same host, as the Marketplace does. Returns the path."""
    from chalice import Response

    @app.route(SUBSCRIBE_PATH, methods=["GET"])
    def local_marketplace_subscribe():
        request = app.current_request
        params = request.query_params or {}
        account = params.get("account") or NEW_CUSTOMER_ACCOUNT_ID
        if not ACCOUNT_ID.match(account):
            return Response(body="account must be a 12-digit AWS account id", status_code=400,
                            headers={"Content-Type": "text/plain; charset=utf-8"})
        platform_url = f"http://{request.headers.get('host') or '127.0.0.1'}"
        return Response(body=redirect_page(platform_url, create_subscription(account)),
                        status_code=200, headers={"Content-Type": "text/html; charset=utf-8",
                                                  "Cache-Control": "no-store"})

    return SUBSCRIBE_PATH
