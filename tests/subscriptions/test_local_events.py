"""Local mode's marketplace events: POST /local/marketplace/events (registered only by
`make run`, never packaged) sends a subscription's EventBridge events to the platform's
handler, and says what became of each; bad requests are 400 with why."""
from __future__ import annotations

import json

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.subscriptions import commands
from local import marketplace
from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID


@pytest.fixture
def local_routes(platform):
    """The routes `make run` adds, on an app of their own (the platform's app is shared)."""
    app = Chalice("local-marketplace")
    assert marketplace.register_local_routes(app) == marketplace.SUBSCRIBE_PATH
    return Client(app).http


def send(http, body) -> tuple[int, dict]:
    reply = http.post(marketplace.EVENTS_PATH, headers={"Content-Type": "application/json"},
                      body=json.dumps(body))
    return reply.status_code, json.loads(reply.body)


def test_the_route_unsubscribes_the_demo_through_the_eventbridge_handler(platform, local_routes):
    code, body = send(local_routes, {"account": DEMO_CUSTOMER_ACCOUNT_ID, "event": "unsubscribe"})
    assert code == 200
    assert [(e["detail-type"], e["subscription"]) for e in body["events"]] == [
        ("Purchase Agreement Ended - Proposer", "UNSUBSCRIBE_PENDING"),
        ("License Deprovisioned - Manufacturer", "UNSUBSCRIBED")]
    assert commands.get(platform.demo.organization.uuid).history[-1].via == "eventbridge"


@pytest.mark.parametrize("body, why", [
    ({"account": "12345", "event": "unsubscribe"}, "12-digit"),
    ({"account": DEMO_CUSTOMER_ACCOUNT_ID, "event": "cancel"}, "is not one of"),
    ({"account": DEMO_CUSTOMER_ACCOUNT_ID, "event": ["unsubscribe"]}, "is not one of"),
    ({"account": "999988887777", "event": "unsubscribe"}, "no subscription"),
])
def test_bad_requests_say_why(platform, local_routes, body, why):
    code, reply = send(local_routes, body)
    assert code == 400 and why in reply["message"], reply
    assert commands.get(platform.demo.organization.uuid).status.value == "SUBSCRIBED"


def test_events_have_the_documented_shape(platform):
    sub = marketplace.subscription_of(DEMO_CUSTOMER_ACCOUNT_ID)
    event = marketplace.agreement_event(sub, "License Deprovisioned - Manufacturer")
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time",
                          "region", "resources", "detail"}
    assert event["detail"]["acceptor"] == {"accountId": DEMO_CUSTOMER_ACCOUNT_ID}
    assert event["detail"]["product"]["code"] == marketplace.PRODUCT_CODE
    assert event["detail"]["license"]["arn"].startswith("arn:aws:license-manager:")
