"""Every API key name follows one rule (api.validate.is_name), on every route that names a key:
a lone surrogate, a newline or a stranger character is a 400 naming the field, so no name can
break the keys page. A name stored before the rule still shows, and a revoked key can be
removed from the list: DELETE /v1/api-keys/{id}?purge=true, or the page's Remove button."""
from __future__ import annotations

import json

import pytest

from chalicelib.api import validate
from chalicelib.identity import clients, organizations, users
from chalicelib.store.models import StateItem
from tests.identity.helpers import Browser, signed_up_and_in, text

JSON = {"Content-Type": "application/json"}
BAD_NAMES = ['"\\ud800"', '"key\\udfff"', '"\\ud83d"', '"k\\n"', '"k\\r\\n"', '"\\nk"',
             '"../x"', '""', '" k"', '"' + "k" * 65 + '"', "5", "[]", '"k\\u0000"', '"ключ"']


@pytest.fixture
def org_key(platform):
    return platform.headers(platform.demo.org_client_id, platform.demo.org_secret)


def _key_rows(client_id: str) -> list:
    return [i for i in StateItem.scan() if f"client#{client_id}" in (i.pk, i.sk)]


@pytest.mark.parametrize("raw", BAD_NAMES)
def test_a_bad_name_is_refused_on_both_json_routes(platform, org_key, raw):
    ws = platform.demo.workspace.uuid
    before = len(clients.list_clients(platform.demo.organization.uuid))
    for path in (f"/v1/workspaces/{ws}/api-tokens", "/v1/api-keys"):
        reply = platform.request("POST", path, '{"name": %s}' % raw, headers=org_key)
        assert reply.status_code == 400, (path, raw, reply.body)
        assert reply.json_body["error"] == "ValidationError"
        assert reply.json_body["field"] == "name"
    assert len(clients.list_clients(platform.demo.organization.uuid)) == before


def test_good_names_and_no_name_are_taken(platform, org_key):
    ws = platform.demo.workspace.uuid
    for name in ("ci", "CI key 2", "a.b_c-d", "k" * 64):
        reply = platform.request("POST", f"/v1/workspaces/{ws}/api-tokens", {"name": name},
                                 headers=org_key)
        assert reply.status_code == 201, reply.body
        assert clients.get_client(reply.json_body["clientId"]).name == name
        reply = platform.request("POST", "/v1/api-keys", {"name": name}, headers=org_key)
        assert reply.status_code == 201 and reply.json_body["name"] == name
    # The SDK's route keeps the name optional.
    for body in ("{}", "", '{"name": null}'):
        reply = platform.request("POST", f"/v1/workspaces/{ws}/api-tokens", body, headers=org_key)
        assert reply.status_code == 201, reply.body
        assert clients.get_client(reply.json_body["clientId"]).name == ""


def test_one_rule_for_every_name():
    for good in ("a", "Z9", "my cluster-1.x_y", "k" * 64):
        assert validate.is_name(good)
    for bad in ("", " a", "a\n", "a\r", "\ud800", "a\ud800", "k" * 65, "é", "a/b", None, 5):
        assert not validate.is_name(bad)
        with pytest.raises(Exception) as e:
            validate.name({"name": bad})
        assert getattr(e.value, "field", None) == "name"


def test_the_page_refuses_the_same_names(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    for name in ("k\nx", "../x", "k" * 65, "ключ", "k\u2028x"):
        reply = b.submit("/keys", "/keys", {"name": name, "workspace": ""})
        assert reply.status_code == 400 and "Choose another name" in text(reply), name
    assert b.get("/keys").status_code == 200
    # The page trims what was typed around the name (as before): "k\n" is the key "k".
    reply = b.submit("/keys", "/keys", {"name": "k\n", "workspace": ""})
    assert reply.status_code == 200
    org = users.find_by_email("ada@example.com").organization_uuid
    assert [c.name for c in clients.list_clients(org)] == ["k"]


def test_a_name_stored_before_the_rule_still_shows_and_its_key_can_go(platform):
    """A key named with a lone surrogate, as the workspace route stored it before: the page
    shows it (with a replacement character), and it can be revoked and removed."""
    b = Browser(platform)
    signed_up_and_in(b)
    org = users.find_by_email("ada@example.com").organization_uuid
    legacy, _ = clients.create_client(org, None, name="bad\ud800name")
    page = b.get("/keys")
    assert page.status_code == 200, page.body[:300]
    assert legacy.client_id in text(page)
    reply = b.submit(text(page), f"/keys/{legacy.client_id}/revoke", {})
    assert reply.status_code == 200 and "revoked" in text(reply)
    reply = b.submit(text(reply), f"/keys/{legacy.client_id}/remove", {})
    assert reply.status_code == 200, reply.body[:300]
    assert f"API key {legacy.client_id} removed." in text(reply)
    assert legacy.client_id not in text(b.get("/keys")).replace(
        f"API key {legacy.client_id} removed.", "")
    assert _key_rows(legacy.client_id) == []


def test_removing_a_revoked_key_through_the_api(platform, org_key):
    demo_org = platform.demo.organization.uuid
    made = platform.request("POST", "/v1/api-keys", {"name": "old"}, headers=org_key).json_body
    key_id = made["clientId"]
    path = f"/v1/api-keys/{key_id}"

    # Still active: a purge is refused, and the key keeps working.
    reply = platform.request("DELETE", path + "?purge=true", headers=org_key)
    assert reply.status_code == 409 and reply.json_body["field"] == "clientId", reply.body
    assert platform.headers(key_id, made["secret"])
    assert platform.request("DELETE", path + "?purge=maybe",
                            headers=org_key).json_body["field"] == "purge"

    # Another organization cannot remove it, revoked or not.
    other = organizations.create_organization("another tenant")
    stranger, secret = clients.create_client(other.uuid)
    stranger_headers = platform.headers(stranger.client_id, secret)

    # Revoke (the plain DELETE, unchanged and idempotent), then purge.
    for _ in range(2):
        reply = platform.request("DELETE", path, headers=org_key)
        assert reply.status_code == 200 and reply.json_body["revoked"] is True
    assert platform.request("DELETE", path + "?purge=true",
                            headers=stranger_headers).status_code == 404
    assert platform.request("DELETE", path + "?purge=false", headers=org_key).status_code == 200
    assert len(_key_rows(key_id)) == 2

    reply = platform.request("DELETE", path + "?purge=true", headers=org_key)
    assert reply.status_code == 200, reply.body
    assert reply.json_body["clientId"] == key_id and reply.json_body["removed"] is True
    assert "secret" not in reply.json_body
    listed = platform.request("GET", "/v1/api-keys?size=1000", headers=org_key).json_body
    assert key_id not in {k["clientId"] for k in listed["data"]}
    assert _key_rows(key_id) == [] and clients.get_client(key_id) is None
    assert key_id not in {c.client_id for c in clients.list_clients(demo_org)}

    # Gone: a second purge or a revoke is a 404, and its secret gets no token.
    assert platform.request("DELETE", path + "?purge=true", headers=org_key).status_code == 404
    assert platform.request("DELETE", path, headers=org_key).status_code == 404
    reply = platform.http.post("/identity/resources/auth/v2/api-token", headers=JSON,
                               body=json.dumps({"clientId": key_id, "secret": made["secret"]}))
    assert reply.status_code == 401


def test_the_remove_button(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    page = text(b.submit("/keys", "/keys", {"name": "laptop", "workspace": ""}))
    org = users.find_by_email("ada@example.com").organization_uuid
    (key,) = clients.list_clients(org)
    # Active: no Remove button, and removing it is refused.
    assert f'action="/keys/{key.client_id}/remove"' not in page
    reply = b.submit(page, f"/keys/{key.client_id}/remove", {})
    assert reply.status_code == 409 and "Revoke that API key first" in text(reply)
    assert clients.get_client(key.client_id) is not None
    # Revoked: the button shows; the form needs the CSRF token.
    page = text(b.submit(page, f"/keys/{key.client_id}/revoke", {}))
    assert f'action="/keys/{key.client_id}/remove"' in page
    assert b.post(f"/keys/{key.client_id}/remove", {"csrf_token": "f" * 64}).status_code == 403
    reply = b.submit(page, f"/keys/{key.client_id}/remove", {})
    assert reply.status_code == 200 and "removed" in text(reply)
    assert f'data-client-id="{key.client_id}"' not in text(reply)
    assert clients.list_clients(org) == [] and _key_rows(key.client_id) == []
    assert b.submit(text(reply), f"/keys/{key.client_id}/remove", {}).status_code == 404
    # Signed out, the page route refuses like the others.
    assert platform.http.post(f"/keys/{key.client_id}/remove",
                              headers={"Content-Type": "application/x-www-form-urlencoded"},
                              body="csrf_token=x").status_code in (401, 403)
