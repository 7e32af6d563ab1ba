"""A customer and its subscription: an organization registered through ResolveCustomer starts
subscribed; a notice for a customer no organization registered yet is kept (parked) and
answered so, then applied when it registers, in the order the notices were sent; a
registration hook that fails does not fail the sign-up, and the customer's next notice does
its work; an organization that no customer registered is never limited."""
from __future__ import annotations

import json

import pytest

from chalicelib.cloud.marketplace import Customer
from chalicelib.identity import customers, organizations
from chalicelib.store import records
from chalicelib.subscriptions import commands
from local import marketplace
from tests.identity.helpers import Browser, sign_up

from .sns_host import marketplace_message, post

ACCOUNT = "444455556666"


def org_of(account: str) -> str:
    return customers.by_account(account)["organization_uuid"]


def test_a_sign_up_through_the_marketplace_starts_subscribed(platform):
    sign_up(Browser(platform), account_id=ACCOUNT)
    found = commands.get(org_of(ACCOUNT))
    assert found.status.value == "SUBSCRIBED" and found.account_id == ACCOUNT
    assert found.customer_identifier == customers.by_account(ACCOUNT)["customer_identifier"]
    assert commands.refusal(found.organization_uuid) is None


def test_events_before_the_sign_up_are_kept_and_applied_at_registration(platform):
    marketplace.create_subscription(ACCOUNT)
    first = marketplace.send(ACCOUNT, "end-agreement")
    assert first[0]["status"] == "parked"
    assert f"AWS account {ACCOUNT}" in first[0]["message"] and "kept" in first[0]["message"]
    platform.clock.advance(5)
    assert marketplace.send(ACCOUNT, "deprovision")[0]["status"] == "parked"
    sign_up(Browser(platform), account_id=ACCOUNT)
    found = commands.get(org_of(ACCOUNT))
    assert found.status.value == "UNSUBSCRIBED"
    assert [h.action for h in found.history] == ["unsubscribe-pending", "unsubscribe-success"]
    refusal = commands.refusal(found.organization_uuid)
    assert refusal.code == "SubscriptionInactive"
    # Applied once: the parked rows are gone, a later notice finds nothing more to apply.
    platform.clock.advance(5)
    again = marketplace.send(ACCOUNT, "subscribe")
    assert again[0]["message"] == "subscribe-success: UNSUBSCRIBED -> SUBSCRIBED"
    assert [h.action for h in commands.get(found.organization_uuid).history][-2:] == [
        "subscribe-success", "entitlement-updated"]


def test_an_sns_notice_for_an_unknown_customer_is_parked(platform, fake_sns):
    message = fake_sns.notification(marketplace_message("subscribe-fail", "X0NOBODY0X"),
                                    platform.clock())
    reply = post(platform, message)
    assert reply.status_code == 200
    body = json.loads(reply.body)
    assert body["status"] == "parked" and "X0NOBODY0X" in body["message"]
    assert post(platform, message).status_code == 409      # kept once, a replay refused


def test_a_failing_hook_does_not_fail_the_sign_up_and_the_next_notice_catches_up(
        platform, monkeypatch):
    def down(registration):
        raise ConnectionError("throttled")

    monkeypatch.setattr(commands, "start", down)
    from chalicelib import bootstrap
    bootstrap.wire()                                  # the hook, as wired, now fails
    marketplace.create_subscription(ACCOUNT)
    marketplace.send(ACCOUNT, "end-agreement")
    sign_up(Browser(platform), account_id=ACCOUNT)    # the sign-up stands
    org = org_of(ACCOUNT)
    assert commands.get(org) is None                  # nothing limits it meanwhile
    monkeypatch.undo()
    bootstrap.wire()
    platform.clock.advance(5)
    outcome = marketplace.send(ACCOUNT, "deprovision")[0]
    assert outcome["message"] == "unsubscribe-success: UNSUBSCRIBE_PENDING -> UNSUBSCRIBED"
    assert [h.action for h in commands.get(org).history] == ["unsubscribe-pending",
                                                             "unsubscribe-success"]


def test_an_organization_no_customer_registered_is_not_limited(platform):
    org = organizations.create_organization("direct contract")
    assert commands.get(org.uuid) is None and commands.refusal(org.uuid) is None
    customers.record(Customer("X1", "corral", ACCOUNT), org.uuid)    # the operator's way
    assert commands.get(org.uuid).status.value == "SUBSCRIBED"
    with pytest.raises(records.Exists):      # one account, one registration
        customers.record(Customer("X2", "corral", ACCOUNT), org.uuid)
