"""EventBridge events from AWS Marketplace (source aws.agreement-marketplace, the Seller
Guide's example shapes): each detail-type read as its action, through the same code path as
SNS (handlers/marketplace.py -> subscriptions.inbox -> commands.receive); what cannot be read
is kept and answered, never raised (a retry would not help), and changes nothing."""
from __future__ import annotations

import copy

import pytest

from chalicelib.identity import customers
from chalicelib.kernel.times import iso
from chalicelib.store import aggregates
from chalicelib.subscriptions import commands, notices
from chalicelib.subscriptions.machine import KIND
from handlers import marketplace as handler
from local import marketplace
from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID, PLATFORM_ACCOUNT_ID

SELLER = PLATFORM_ACCOUNT_ID
LICENSE_UPDATED = {   # the Seller Guide's example, for this seller and product
    "version": "0", "id": "12345678-1234-1234-1234-123456789012",
    "detail-type": "License Updated - Manufacturer", "source": "aws.agreement-marketplace",
    "account": SELLER, "time": "2024-08-30T21:36:03Z", "region": "us-east-1",
    "resources": ["arn:aws:aws-marketplace::aws:agreement:agmt-4mwg1nevbokzw95eca5797ixs"],
    "detail": {"requestId": "3d4c9f9b-b809-4f5e-9fac-a9ae98b05cbb", "catalog": "AWSMarketplace",
               "agreement": {"id": "agmt-4mwg1nevbokzw95eca5797ixs"},
               "product": {"code": "corral", "id": "prod-qtwveEXAMPLE"},
               "license": {"arn": "aws:license-manager:us-east-1:123456789012:l-e52ca6f3"},
               "acceptor": {"accountId": "845735284135"},
               "proposer": {"accountId": "123456512334"},
               "offer": {"id": "8kkr91jo647j3qxlcjhlqce7y"}}}
AGREEMENT_ENDED = {
    **{k: v for k, v in LICENSE_UPDATED.items() if k != "detail"},
    "detail-type": "Purchase Agreement Ended - Proposer",
    "detail": {"requestId": "3d4c9f9b", "catalog": "AWSMarketplace",
               "agreement": {"id": "agmt-4mwg1nevbokzw95eca5797ixs", "status": "CANCELLED"},
               "acceptor": {"accountId": "845735284135"},
               "proposer": {"accountId": "123456512334"},
               "offer": {"id": "offer-1234567890123"}}}


def read(event: dict):
    return notices.from_eventbridge(event, "corral", SELLER)


@pytest.mark.parametrize("detail_type, action", sorted(notices.DETAIL_TYPES.items()))
def test_each_detail_type_is_read_as_its_action(detail_type, action):
    event = {**(LICENSE_UPDATED if detail_type.startswith("License") else AGREEMENT_ENDED),
             "detail-type": detail_type}
    found = read(event)
    assert (found.action, found.account_id, found.via, found.detail) == (
        action, "845735284135", "eventbridge", detail_type)
    assert found.message_id == event["id"] and iso(found.sent_at) == "2024-08-30T21:36:03Z"


def test_an_agreement_replaced_or_renewed_is_no_unsubscription():
    for status, action in (("RENEWED", "entitlement-updated"), ("REPLACED", "entitlement-updated"),
                           ("EXPIRED", "unsubscribe-pending"), ("TERMINATED", "unsubscribe-pending")):
        event = copy.deepcopy(AGREEMENT_ENDED)
        event["detail"]["agreement"]["status"] = status
        assert read(event).action == action, status


@pytest.mark.parametrize("change, why", [
    (lambda e: e.update(source="aws.marketplace"), "source"),
    (lambda e: e.update({"detail-type": "Offer Released"}), "detail-type"),
    (lambda e: e.update(account="111122223333"), "seller account"),
    (lambda e: e.update(time="yesterday"), "time"),
    (lambda e: e.update(time="2024-08-30T21:36:03"), "time"),
    (lambda e: e.update(id=""), "id"),
    (lambda e: e.update(detail="nope"), "detail"),
    (lambda e: e["detail"].pop("acceptor"), "acceptor"),
    (lambda e: e["detail"]["acceptor"].update(accountId="84573528413"), "acceptor"),
    (lambda e: e["detail"]["product"].update(code="other"), "product code"),
    (lambda e: e["detail"].pop("product"), "product code"),   # license events name it
])
def test_what_cannot_be_read_says_why(change, why):
    event = copy.deepcopy(LICENSE_UPDATED)
    change(event)
    with pytest.raises(notices.BadNotice, match=why):
        read(event)


def test_agreement_events_may_not_name_the_product_but_not_another_one():
    assert read(AGREEMENT_ENDED).action == "unsubscribe-pending"
    other = copy.deepcopy(AGREEMENT_ENDED)
    other["detail"]["product"] = {"code": "other"}
    with pytest.raises(notices.BadNotice, match="product code"):
        read(other)


def test_the_handler_applies_an_event_like_an_sns_message(platform):
    org = platform.demo.organization.uuid
    sub = marketplace.subscription_of(DEMO_CUSTOMER_ACCOUNT_ID)
    event = marketplace.agreement_event(sub, "Purchase Agreement Ended - Proposer")
    assert handler.on_marketplace_event(event, None) == {
        "status": "applied", "subscription": "UNSUBSCRIBE_PENDING",
        "message": "unsubscribe-pending: SUBSCRIBED -> UNSUBSCRIBE_PENDING"}
    before = aggregates.events(KIND, org)
    again = handler.on_marketplace_event(event, None)      # EventBridge delivers at least once
    assert again["status"] == "duplicate" and aggregates.events(KIND, org) == before


def test_the_handler_keeps_what_it_cannot_read_and_does_not_raise(platform):
    org = platform.demo.organization.uuid
    before = aggregates.events(KIND, org)
    event = copy.deepcopy(LICENSE_UPDATED)
    event["detail"]["acceptor"]["accountId"] = DEMO_CUSTOMER_ACCOUNT_ID
    event["detail"]["product"]["code"] = "someone-elses"
    outcome = handler.on_marketplace_event(event, None)
    assert outcome["status"] == "refused" and "product code" in outcome["message"]
    assert handler.on_marketplace_event(["not", "an", "event"], None)["status"] == "refused"
    assert aggregates.events(KIND, org) == before
    kept = commands.refused_in(iso(platform.clock())[:7])
    assert [k["via"] for k in kept] == ["eventbridge", "eventbridge"]
    assert any("someone-elses" in k["raw"] for k in kept)


def test_a_failure_past_reading_raises_so_lambda_retries_it(platform, monkeypatch):
    sub = marketplace.subscription_of(DEMO_CUSTOMER_ACCOUNT_ID)
    event = marketplace.agreement_event(sub, "License Deprovisioned - Manufacturer")

    def down(*a, **k):
        raise ConnectionError("DynamoDB is unreachable")

    monkeypatch.setattr(customers, "by_identifier", down)
    monkeypatch.setattr(customers, "by_account", down)
    with pytest.raises(ConnectionError):
        handler.on_marketplace_event(event, None)
    monkeypatch.undo()
    assert handler.on_marketplace_event(event, None)["subscription"] == "UNSUBSCRIBED"
