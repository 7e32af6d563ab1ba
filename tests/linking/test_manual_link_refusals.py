"""The manual link, read-only cases on one shared platform: the platform assumes the customer's role with the organization's External
ID; every failure is its own clear error, and nothing is saved on failure."""
from __future__ import annotations

import pytest

from chalicelib.identity import organizations
from chalicelib.linking import links as linking

from .helpers import OTHER_ACCOUNT, account, org_headers


def test_each_organization_has_its_own_external_id(shared_platform):
    a, b = organizations.create_organization("a"), organizations.create_organization("b")
    assert a.external_id != b.external_id and len(a.external_id) >= 32
    view = linking.settings_view(a.uuid)
    assert view["externalId"] == a.external_id
    assert view["platformAccountId"] == "481633624848"
    assert view["roleArn"] is None and view["ready"] is False
    assert set(view["amiShare"]) == {"us-east-1", "us-east-2", "us-west-1", "us-west-2"}


BAD = [
    # (what is wrong, body changes, status, field, words in the message)
    ("malformed account id", {"accountId": "12345"}, 400, "accountId", "12 digits"),
    ("malformed ARN", {"roleArn": "arn:aws:iam::111122223333:user/bob"}, 400, "roleArn",
     "arn:aws:iam::"),
    ("unsupported region", {"region": "eu-west-1"}, 400, "region", "us-east-1"),
    ("ARN of another account", {"accountId": "999988887777"}, 400, "accountId",
     "belongs to account 111122223333"),
    ("role missing", {"roleArn": "arn:aws:iam::111122223333:role/BodoPlatformUserNope"}, 400,
     "roleArn", "cannot assume"),
    ("a name the platform may not assume", {"roleArn": "arn:aws:iam::111122223333:role/Admin"},
     400, "roleArn", "must start with BodoPlatformUser"),
    ("a role with a path", {"roleArn": "arn:aws:iam::111122223333:role/team/BodoPlatformUser"},
     400, "roleArn", "no path"),
    ("missing field", {"roleArn": None}, 400, "roleArn", "required"),
    ("wrong type", {"accountId": 111122223333}, 400, "accountId", "string"),
]


@pytest.mark.parametrize("what,change,status,field,words", BAD, ids=[b[0] for b in BAD])
def test_bad_manual_links_are_refused_and_nothing_is_saved(shared_platform, what, change,
                                                           status, field, words):
    p = shared_platform
    org = organizations.create_organization(f"bad-{field}")
    arn = f"arn:aws:iam::{OTHER_ACCOUNT}:role/BodoPlatformUser"
    account()
    body = {"accountId": OTHER_ACCOUNT, "roleArn": arn, "region": "us-east-1", **change}
    body = {k: v for k, v in body.items() if v is not None}
    reply = p.request("PUT", "/v1/settings/aws-account", body, headers=org_headers(p, org))
    assert reply.status_code == status, reply.body
    assert reply.json_body["field"] == field
    assert words in reply.json_body["message"]
    assert not organizations.get_organization(org.uuid).linked


def test_settings_need_an_organization_key(shared_platform):
    p = shared_platform
    for method, path in (("GET", "/v1/settings"), ("PUT", "/v1/settings/aws-account"),
                         ("POST", "/v1/settings/aws-account/create-role"),
                         ("GET", "/v1/settings/platform-policy")):
        assert p.request(method, path, {}).status_code == 403          # workspace key
        assert p.http.get(path).status_code in (401, 403, 405)          # no token
    assert p.http.get("/v1/settings").status_code == 401


@pytest.mark.parametrize("body,field", [
    ({}, "accessKeyId"),
    ({"accessKeyId": "AKIAIOSFODNN7EXAMPLE"}, "secretAccessKey"),
    ({"accessKeyId": "not a key", "secretAccessKey": "s"}, "accessKeyId"),
    ({"accessKeyId": 5, "secretAccessKey": "s"}, "accessKeyId"),
])
def test_bad_create_role_bodies(shared_platform, body, field):
    platform = shared_platform
    org = organizations.create_organization("acme")
    reply = platform.request("POST", "/v1/settings/aws-account/create-role", body, headers=org_headers(platform, org))
    assert reply.status_code == 400 and reply.json_body["field"] == field
