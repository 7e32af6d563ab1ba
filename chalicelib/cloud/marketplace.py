"""AWS Marketplace Metering, the seller's side of a SaaS sign-up: ResolveCustomer turns the
registration token the buyer's browser posted into who the customer is."""
from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .errors import classify
from .sessions import platform_client

# ResolveCustomer for SaaS products is served in us-east-1.
REGION = "us-east-1"


@dataclass(frozen=True)
class Customer:
    customer_identifier: str
    product_code: str
    customer_aws_account_id: str
    license_arn: str = ""     # newer subscriptions (concurrent agreements) are metered by it


class TokenRejected(Exception):
    """The Marketplace refused the registration token: `expired` tells which way."""

    def __init__(self, expired: bool, detail: str):
        super().__init__(detail)
        self.expired = expired


def resolve_customer(registration_token: str) -> Customer:
    """Raises TokenRejected for an invalid or expired token, CloudError for anything else."""
    try:
        reply = platform_client("meteringmarketplace", REGION).resolve_customer(
            RegistrationToken=registration_token)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        if code in ("InvalidTokenException", "ExpiredTokenException"):
            raise TokenRejected(code == "ExpiredTokenException", code) from None
        raise classify(e) from e
    except BotoCoreError as e:
        raise classify(e) from e
    return Customer(reply.get("CustomerIdentifier") or reply.get("CustomerAWSAccountId", ""),
                    reply.get("ProductCode", ""), reply.get("CustomerAWSAccountId", ""),
                    reply.get("LicenseArn", ""))


# ---- BatchMeterUsage -------------------------------------------------------------------------
# At most 25 records and under 1 MB a call; AWS refuses the whole call when one record is 6
# hours old or more (TimestampOutOfBoundsException), a dimension is unknown, or the product
# code is wrong. "Identical requests are idempotent": a record sent again with the same
# quantity is accepted again, one with another quantity is a DuplicateRecord.
MAX_RECORDS = 25
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Metered:
    """What one call answered: per record (in the order sent) its status and MeteringRecordId,
    or None when AWS left it unprocessed (to be sent again)."""
    results: list


def batch_meter_usage(product_code: str, records: list[dict]) -> Metered:
    """Send `records` (each: Timestamp, Dimension, Quantity and either CustomerIdentifier or
    CustomerAWSAccountId with LicenseArn). Raises CloudError for a refused call (its code
    says why: transient ones are worth another try)."""
    if not records or len(records) > MAX_RECORDS:
        raise ValueError(f"BatchMeterUsage takes 1 to {MAX_RECORDS} records, not {len(records)}")
    try:
        reply = platform_client("meteringmarketplace", REGION).batch_meter_usage(
            UsageRecords=records, ProductCode=product_code)
    except (ClientError, BotoCoreError) as e:
        raise classify(e) from e
    done = {_identity(r["UsageRecord"]): (r.get("Status", ""), r.get("MeteringRecordId", ""))
            for r in reply.get("Results", [])}
    return Metered([done.get(_identity(rec)) for rec in records])


def _identity(record: dict) -> tuple:
    """A record's key as AWS matches them: customer, dimension, hour."""
    when = record["Timestamp"]
    stamp = when.timestamp() if hasattr(when, "timestamp") else float(when)
    return (record.get("CustomerIdentifier") or "", record.get("CustomerAWSAccountId") or "",
            record.get("LicenseArn") or "", record["Dimension"], int(stamp))
