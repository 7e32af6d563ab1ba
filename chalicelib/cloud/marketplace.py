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
                    reply.get("ProductCode", ""), reply.get("CustomerAWSAccountId", ""))
