"""The local AWS Marketplace: ResolveCustomer answers as AWS does, in-process (mock_aws) and
through the emulator's HTTP endpoint (what `make run` uses)."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from local import marketplace
from local.accounts import PLATFORM_ACCOUNT_ID, bootstrap_account


def _check(client, clock_advance) -> None:
    token = marketplace.create_subscription("123456789012")
    again = marketplace.create_subscription("123456789012")
    first = client.resolve_customer(RegistrationToken=token)
    assert first["ProductCode"] == "corral" and first["CustomerAWSAccountId"] == "123456789012"
    assert client.resolve_customer(RegistrationToken=again)["CustomerIdentifier"] == \
        first["CustomerIdentifier"]              # one customer per account
    assert [s.customer_identifier for s in marketplace.subscriptions()
            if s.customer_aws_account_id == "123456789012"] == [first["CustomerIdentifier"]]
    with pytest.raises(ClientError) as e:
        client.resolve_customer(RegistrationToken="made-up")
    assert e.value.response["Error"]["Code"] == "InvalidTokenException"
    clock_advance(marketplace.TOKEN_TTL_SECONDS)
    with pytest.raises(ClientError) as e:
        client.resolve_customer(RegistrationToken=token)
    assert e.value.response["Error"]["Code"] == "ExpiredTokenException"
    with pytest.raises(ValueError):
        marketplace.create_subscription("12345")


def test_resolve_customer_in_process(platform):
    _check(boto3.client("meteringmarketplace", region_name="us-east-1"), platform.clock.advance)


def test_resolve_customer_through_the_emulator(monkeypatch):
    from chalicelib.kernel import clock
    from local.emulator import Emulator
    fake = clock.FakeClock()
    clock.set_clock(fake)
    try:
        with Emulator() as emu:
            creds = bootstrap_account(PLATFORM_ACCOUNT_ID, "seller")
            client = boto3.client("meteringmarketplace", region_name="us-east-1",
                                  endpoint_url=emu.endpoint_url, **creds)
            _check(client, fake.advance)
    finally:
        clock.set_clock(None)
