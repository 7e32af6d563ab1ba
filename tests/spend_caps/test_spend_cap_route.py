"""PUT, GET and DELETE /v1/workspaces/{uuid}/spend-cap: who may set and read it, what a bad
body is told, and what the reply says."""
from __future__ import annotations

import json

import pytest

from chalicelib.identity import clients, organizations
from local import seed
from tests.spend_caps.helpers import cap_path, org_headers, read_cap, set_cap
from tests.usage.test_sweep import day_at, move_to, running_cluster


def test_set_read_change_and_remove(platform):
    move_to(platform, day_at("10:00:00"))
    none = read_cap(platform)
    assert (none["instanceHours"], none["state"], none["percent"], none["capDollars"]) == (
        None, "NONE", None, None)
    assert none["usedInstanceMinutes"] == 0 and none["rateBasis"] == "DEFAULT_RATE"

    body = set_cap(platform, 10)
    assert body["instanceHours"] == 10 and body["state"] == "OK" and body["percent"] == 0
    assert body["workspaceUUID"] == platform.demo.workspace.uuid
    assert body["setBy"] == "API key demo organization key" and body["setAt"]
    assert body["capDollars"] == 5.0            # no use yet: the default rate, 0.50 USD an hour
    assert body["month"] == body["setAt"][:7] and body["warningAtPercent"] == 80
    assert read_cap(platform)["instanceHours"] == 10       # the workspace key reads it

    assert set_cap(platform, 2.5)["instanceHours"] == 2.5
    assert set_cap(platform, None)["state"] == "NONE"     # null removes it
    assert read_cap(platform)["instanceHours"] is None

    set_cap(platform, 4)
    gone = platform.request("DELETE", cap_path(platform), headers=org_headers(platform))
    assert gone.status_code == 200 and gone.json_body["state"] == "NONE"
    again = platform.request("DELETE", cap_path(platform), headers=org_headers(platform))
    assert again.status_code == 200                         # removing none is no error


def test_use_percent_and_dollars_at_the_workspaces_own_mix(platform):
    move_to(platform, day_at("10:00:00"))
    set_cap(platform, 1)
    running_cluster(platform, workersQuantity=2)             # 2 x c5.2xlarge, 0.20 USD/h
    move_to(platform, day_at("10:21:00"))
    body = read_cap(platform)
    assert body["usedInstanceMinutes"] == 42 and body["usedInstanceHours"] == 0.7
    assert body["percent"] == 70.0 and body["state"] == "OK"
    assert body["dollars"] == 0.14 and body["rateBasis"] == "THIS_MONTH"
    assert body["dollarsPerInstanceHour"] == 0.2 and body["capDollars"] == 0.2
    move_to(platform, day_at("10:24:00"))
    body = read_cap(platform)
    assert body["usedInstanceMinutes"] == 48 and body["state"] == "WARNING"
    assert body["percent"] == 80.0 and "80% of its monthly spend cap of 1" in body["message"]
    move_to(platform, day_at("10:30:00"))
    body = read_cap(platform)
    assert body["usedInstanceMinutes"] == 60 and body["state"] == "EXCEEDED"
    assert body["percent"] == 100.0 and "reached its monthly spend cap of 1 " in body["message"]


@pytest.mark.parametrize("raw, says", [
    ({}, "instanceHours: is required"),
    ({"hours": 3}, "instanceHours: is required"),
    ({"instanceHours": "10"}, "must be a number"),
    ({"instanceHours": True}, "must be a number"),
    ({"instanceHours": [10]}, "must be a number"),
    ({"instanceHours": 0}, "above 0"),
    ({"instanceHours": -5}, "above 0"),
    ({"instanceHours": 1e7}, "at most 1,000,000"),
    ({"instanceHours": 0.001}, "at least one instance-minute"),
    ('{"instanceHours": NaN}', "above 0"),
    ('{"instanceHours": Infinity}', "above 0"),
])
def test_a_bad_body_is_a_400_naming_the_field_and_changes_nothing(platform, raw, says):
    set_cap(platform, 7)
    body = raw if isinstance(raw, str) else json.dumps(raw)
    reply = platform.request("PUT", cap_path(platform), body, headers=org_headers(platform))
    assert reply.status_code == 400, reply.body
    assert reply.json_body["error"] == "ValidationError"
    assert reply.json_body["field"] == "instanceHours" and says in reply.json_body["message"]
    assert read_cap(platform)["instanceHours"] == 7


@pytest.mark.parametrize("raw", ["[1]", "not json", '"10"'])
def test_a_body_that_is_no_object_is_a_400(platform, raw):
    reply = platform.request("PUT", cap_path(platform), raw, headers=org_headers(platform))
    assert reply.status_code == 400 and reply.json_body["error"] == "ValidationError"


def test_unknown_keys_are_ignored_as_the_sdk_sends_junk(platform):
    reply = platform.request("PUT", cap_path(platform),
                             {"instanceHours": 3, "_deprecated_fields": {}},
                             headers=org_headers(platform))
    assert reply.status_code == 200 and reply.json_body["instanceHours"] == 3


def test_a_workspace_key_reads_its_own_cap_but_cannot_set_or_remove_it(platform):
    set_cap(platform, 5)
    for method, body in (("PUT", {"instanceHours": 500}), ("PUT", {"instanceHours": None}),
                         ("DELETE", None)):
        reply = platform.request(method, cap_path(platform), body)
        assert reply.status_code == 403, reply.body
        assert reply.json_body["error"] == "Forbidden"
    assert read_cap(platform)["instanceHours"] == 5


def test_another_workspace_of_the_organization_is_unknown_to_a_workspace_key(platform):
    other = seed.request_workspace(platform.demo.organization, "second", "us-east-1")
    assert platform.request("GET", cap_path(platform, other.uuid)).status_code == 404
    # the organization key reaches both
    reply = platform.request("GET", cap_path(platform, other.uuid),
                             headers=org_headers(platform))
    assert reply.status_code == 200 and reply.json_body["workspaceName"] == "second"


def test_another_organizations_workspace_is_a_404_and_its_cap_untouched(platform):
    set_cap(platform, 5)
    other_org = organizations.create_organization("other")
    client, secret = clients.create_client(other_org.uuid)
    other = platform.headers(client.client_id, secret)
    for method, body in (("GET", None), ("PUT", {"instanceHours": 500}), ("DELETE", None)):
        reply = platform.request(method, cap_path(platform), body, headers=other)
        assert reply.status_code == 404, reply.body
        assert reply.json_body["error"] == "NotFound"
    assert read_cap(platform)["instanceHours"] == 5
    unknown = platform.request("PUT", cap_path(platform, "6f1c1c2e-9d1a-4a43-8e0a-3b8b0f0e8a11"),
                               {"instanceHours": 1}, headers=org_headers(platform))
    assert unknown.status_code == 404


def test_no_credentials_is_a_401(platform):
    reply = platform.http.put(cap_path(platform), headers={"Content-Type": "application/json"},
                              body=json.dumps({"instanceHours": 1}))
    assert reply.status_code == 401
