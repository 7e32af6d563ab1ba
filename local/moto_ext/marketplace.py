"""AWS Marketplace Metering: ResolveCustomer (moto 5.2.5 has none) and a BatchMeterUsage as
strict as AWS's (moto's checks nothing and keeps nothing).

JSON protocol, target ``AWSMPMeteringService.ResolveCustomer``, endpoint
metering.marketplace.<region>.amazonaws.com (signing name aws-marketplace, which moto's
server maps to the same backend). The token is resolved against the calling (seller)
account's subscriptions in local/marketplace.py: the answer carries CustomerIdentifier,
ProductCode and CustomerAWSAccountId; an unknown token is ``InvalidTokenException``, a token
past its hour ``ExpiredTokenException`` (both HTTP 400, as AWS answers).
"""
from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.meteringmarketplace.responses import MarketplaceMeteringResponse

from ._patching import add_method


class InvalidTokenException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidTokenException", message)


class ExpiredTokenException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ExpiredTokenException", message)


def resolve_customer(self: Any) -> str:
    from .. import marketplace
    token = json.loads(self.body or "{}").get("RegistrationToken") or ""
    try:
        sub = marketplace.resolve(token, self.current_account)
    except marketplace.InvalidToken as e:
        raise InvalidTokenException(str(e))
    except marketplace.ExpiredToken as e:
        raise ExpiredTokenException(str(e))
    return json.dumps({"CustomerIdentifier": sub.customer_identifier,
                       "ProductCode": sub.product_code,
                       "CustomerAWSAccountId": sub.customer_aws_account_id,
                       **({"LicenseArn": sub.license_arn} if sub.license_arn else {})})


class _Refused(JsonRESTError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


MAX_RECORDS = 25
MAX_BYTES = 1_000_000
STALE_SECONDS = 6 * 3600


def _when(value: Any) -> float:
    return float(value)     # botocore sends the JSON protocol's timestamps as epoch seconds


def batch_meter_usage(self: Any) -> str:
    """BatchMeterUsage as AWS answers it. The whole call is refused for: more than 25
    records or 1 MB, another product than the seller's, a record 6 hours old or more (or
    ahead of now), a dimension the listing lacks (the rate table's), a record naming its
    customer both ways or neither. Per record: CustomerNotSubscribed for a customer without
    a subscription, DuplicateRecord for another quantity than the one already accepted for
    the customer, dimension and hour; the same record again is accepted again, with its id.
    Records can be left unprocessed on request (local.marketplace.leave_unprocessed)."""
    from chalicelib.kernel import clock
    from chalicelib.usage import rates

    from .. import marketplace
    if len(self.body or b"") >= MAX_BYTES:
        raise _Refused("ValidationException", "Request must be smaller than 1 MB.")
    body = json.loads(self.body or "{}")
    product = body.get("ProductCode") or ""
    usage = body.get("UsageRecords") or []
    if not 0 < len(usage) <= MAX_RECORDS:
        raise _Refused("ValidationException",
                       f"UsageRecords must hold 1 to {MAX_RECORDS} records, not {len(usage)}.")
    if product != marketplace.PRODUCT_CODE:
        raise _Refused("InvalidProductCodeException", f"Product code {product} is invalid.")
    now = clock.now()
    dimensions = rates.table().dimensions()
    for r in usage:
        when = _when(r.get("Timestamp"))
        if not now - STALE_SECONDS < when <= now + 60:
            raise _Refused("TimestampOutOfBoundsException",
                           "Timestamp must be within the past 6 hours and not in the future.")
        if r.get("Dimension") not in dimensions:
            raise _Refused("InvalidUsageDimensionException",
                           f"Dimension {r.get('Dimension')} is not a dimension of the product.")
        by_id, by_account = bool(r.get("CustomerIdentifier")), bool(r.get("CustomerAWSAccountId"))
        if by_id == by_account or (by_account and not r.get("LicenseArn")):
            raise _Refused("ValidationException", "Name the customer by CustomerIdentifier, or "
                           "by CustomerAWSAccountId with LicenseArn, not both.")
    results, unprocessed = [], []
    for r in usage:
        if marketplace.take_unprocessed(self.current_account):
            unprocessed.append(r)
            continue
        sub = marketplace.find_subscription(
            product, r.get("CustomerIdentifier") or "", r.get("CustomerAWSAccountId") or "",
            r.get("LicenseArn") or "", self.current_account)
        if sub is None or not marketplace.still_metered(sub, self.current_account):
            results.append({"UsageRecord": r, "Status": "CustomerNotSubscribed"})
            continue
        customer = r.get("CustomerIdentifier") or f"{sub.customer_aws_account_id}/{sub.license_arn}"
        status, record_id = marketplace.meter(
            self.current_account, product, (customer, r["Dimension"], _when(r["Timestamp"])),
            int(r.get("Quantity", 0)))
        results.append({"UsageRecord": r, "MeteringRecordId": record_id, "Status": status})
    return json.dumps({"Results": results, "UnprocessedRecords": unprocessed})


def install() -> None:
    add_method(MarketplaceMeteringResponse, "resolve_customer", resolve_customer)
    add_method(MarketplaceMeteringResponse, "batch_meter_usage", batch_meter_usage)
