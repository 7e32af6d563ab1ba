"""API keys: an organization admin creates them (for the organization or a workspace) with the
session or an organization key, lists and revokes them; the secret is shown once and kept only
as a hash; a revoked key gets 401 everywhere. And no secret is stored in clear."""
from __future__ import annotations

import json

from chalicelib.identity import organizations, users
from chalicelib.store.models import EventItem, StateItem
from local import seed
from tests.identity.helpers import PASSWORD, Browser, field, signed_up_and_in, text

JSON = {"Content-Type": "application/json"}


def _session_headers(b: Browser) -> dict:
    # A cookie-authenticated change needs the page's CSRF token in X-CSRF-Token (issue 8).
    token = field(text(b.get("/")), "csrf_token")
    return {**b._headers(), **JSON, "X-CSRF-Token": token}


def test_keys_through_the_api(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    org = organizations.get_organization(users.find_by_email("ada@example.com").organization_uuid)
    ws = seed.request_workspace(org, "w1", "us-east-1")
    h = _session_headers(b)

    reply = platform.http.post("/v1/api-keys", headers=h, body=json.dumps({"name": "ci"}))
    assert reply.status_code == 201, reply.body
    org_key = reply.json_body
    assert org_key["scope"] == "organization" and len(org_key["secret"]) >= 40
    reply = platform.http.post("/v1/api-keys", headers=h,
                               body=json.dumps({"name": "ws key", "workspaceUUID": ws.uuid}))
    ws_key = reply.json_body
    assert reply.status_code == 201 and ws_key["workspaceUUID"] == ws.uuid

    # The new organization key works with the SDK's token exchange and manages keys too.
    key_headers = platform.headers(org_key["clientId"], org_key["secret"])
    listed = platform.http.get("/v1/api-keys", headers=key_headers).json_body
    assert {k["clientId"] for k in listed["data"]} == {org_key["clientId"], ws_key["clientId"]}
    assert all("secret" not in k for k in listed["data"])
    assert listed["metadata"]["total_items"] == 2

    # A workspace key cannot manage keys; nor can another organization's key see these.
    ws_headers = platform.headers(ws_key["clientId"], ws_key["secret"])
    assert platform.http.get("/v1/api-keys", headers=ws_headers).status_code == 403
    demo = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    assert platform.http.delete(f"/v1/api-keys/{org_key['clientId']}",
                                headers=demo).status_code == 404
    assert org_key["clientId"] not in platform.http.get("/v1/api-keys", headers=demo).body.decode()

    # Bad input names the field.
    for body, fld in (({}, "name"), ({"name": "../x"}, "name"),
                      ({"name": "k", "workspaceUUID": "nope"}, "workspaceUUID")):
        reply = platform.http.post("/v1/api-keys", headers=h, body=json.dumps(body))
        assert reply.status_code in (400, 404) and reply.json_body["field"] == fld

    # Revoke: the key's tokens stop working at once, everywhere; it cannot get new ones.
    reply = platform.http.delete(f"/v1/api-keys/{ws_key['clientId']}", headers=h)
    assert reply.status_code == 200 and reply.json_body["revoked"] is True
    for method, path in (("GET", "/v2/clusters"), ("GET", "/v1/api-keys"),
                         ("GET", "/v1/workspaces")):
        assert platform.request(method, path, headers=ws_headers).status_code == 401
    reply = platform.http.post("/identity/resources/auth/v2/api-token", headers=JSON,
                               body=json.dumps({"clientId": ws_key["clientId"],
                                                "secret": ws_key["secret"]}))
    assert reply.status_code == 401
    assert platform.http.delete("/v1/api-keys/unknown", headers=h).status_code == 404

    # Signed out (session cookie gone), the API refuses; a session is refused as an API token.
    assert platform.http.get("/v1/api-keys", headers=JSON).status_code == 401


def test_keys_page(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    page = text(b.get("/keys"))
    reply = b.submit(page, "/keys", {"name": "laptop", "workspace": ""})
    assert reply.status_code == 200
    created = text(reply)
    client_id, secret = field_text(created, "new-client-id"), field_text(created, "new-secret")
    assert "cannot show it again" in created
    page = text(b.get("/keys"))
    assert client_id in page and secret not in page           # shown once
    assert platform.headers(client_id, secret)                 # and it works

    reply = b.submit(page, "/keys", {"name": "", "workspace": ""})
    assert reply.status_code == 400 and "Choose another name" in text(reply)
    reply = b.submit(page, "/keys", {"name": "x", "workspace": "not-mine"})
    assert reply.status_code == 400
    reply = b.post(f"/keys/{client_id}/revoke", {"csrf_token": "f" * 64})
    assert reply.status_code == 403                            # CSRF
    reply = b.submit(page, f"/keys/{client_id}/revoke", {})
    assert reply.status_code == 200 and "revoked" in text(reply)
    token_reply = platform.http.post(
        "/identity/resources/auth/v2/api-token", headers=JSON,
        body=json.dumps({"clientId": client_id, "secret": secret}))
    assert token_reply.status_code == 401
    reply = b.submit(page, "/keys/unknown/revoke", {})
    assert reply.status_code == 404


def field_text(page: str, element_id: str) -> str:
    import re
    m = re.search(rf'id="{element_id}">([^<]+)<', page)
    assert m, page
    return m.group(1)


def test_no_secret_stored_in_clear(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    reply = platform.http.post("/v1/api-keys", headers=_session_headers(b),
                               body=json.dumps({"name": "k"}))
    secret = reply.json_body["secret"]
    session_cookie = b.cookies["corral_session"]
    everything = json.dumps([i.to_simple_dict() for i in StateItem.scan()] +
                            [i.to_simple_dict() for i in EventItem.scan()])
    assert "ada@example.com" in everything                   # the search does see the rows
    for needle in (PASSWORD, secret, session_cookie):
        assert needle not in everything
    user = users.find_by_email("ada@example.com")
    assert user.password_hash.startswith("$argon2id$")


def test_session_is_not_an_api_token_and_back(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    session_token = b.cookies["corral_session"]
    # The session as a bearer token acts for the organization...
    reply = platform.http.get("/v1/api-keys", headers={"Authorization": f"Bearer {session_token}"})
    assert reply.status_code == 200
    # ...but an API-key token is not a session for the pages.
    key = platform.http.post("/v1/api-keys", headers=_session_headers(b),
                             body=json.dumps({"name": "k"})).json_body
    api_token = platform.headers(key["clientId"], key["secret"])["Authorization"].split()[1]
    stranger = Browser(platform)
    stranger.cookies["corral_session"] = api_token
    assert stranger.get("/").status_code == 401
    # A session expires.
    platform.clock.advance(13 * 3600)
    assert platform.http.get("/v1/api-keys", headers={
        "Authorization": f"Bearer {session_token}"}).status_code == 401
    assert b.get("/").status_code == 401
    assert field(text(b.get("/signin")), "csrf_token")
