"""AWS Marketplace Metering ResolveCustomer (moto 5.2.5 has only BatchMeterUsage).

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
                       "CustomerAWSAccountId": sub.customer_aws_account_id})


def install() -> None:
    add_method(MarketplaceMeteringResponse, "resolve_customer", resolve_customer)
