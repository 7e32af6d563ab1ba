"""Every route the app serves, found by walking the app itself (so a new route is covered the
day it is added): without valid credentials it answers 401 and says nothing of any tenant,
unless it is one of the few public routes listed here."""
from __future__ import annotations

import re

import jwt
import pytest

# Routes anyone may call: the token exchange, the version check, and the sign-up pages.
PUBLIC = re.compile(
    r"^(/identity/resources/auth/v2/api-token|/v1/sdk-versions/\{[^}]+\}"
    r"|/marketplace/.*|/signup.*|/activate.*|/signin.*|/signout|/platform-policy\.json"
    r"|/static/.*|/)$")
UUID = "6f1c1c2e-9d1a-4a43-8e0a-3b8b0f0e8a11"


def all_routes():
    from app import app
    for path, entries in sorted(app.routes.items()):
        for method in sorted(entries):
            yield method, path


def private_routes():
    return [(m, p) for m, p in all_routes() if not PUBLIC.match(p)]


@pytest.fixture(scope="module")
def platform(shared_platform):
    return shared_platform


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", UUID, path)


def forged_token(platform) -> str:
    now = int(platform.clock())
    return jwt.encode({"sub": platform.demo.ws_client_id, "org": platform.demo.organization.uuid,
                       "tenantId": platform.demo.workspace.uuid, "iss": "corral", "iat": now,
                       "exp": now + 600}, "not-the-platform-secret-" * 2, algorithm="HS256")


def test_the_walk_finds_the_routes():
    routes = set(all_routes())
    assert ("POST", "/v1/clusters") in routes and ("GET", "/v2/clusters") in routes
    assert len(private_routes()) >= 10


@pytest.fixture(scope="module")
def demo_ids(platform):
    """Identifiers of the demo tenant's things, which no other caller may learn."""
    cluster = platform.create_cluster(name="secret-demo-cluster")
    return {"cluster": cluster["uuid"], "task": cluster["taskUUID"],
            "ws": platform.demo.workspace.uuid, "org": platform.demo.organization.uuid,
            "client": platform.demo.ws_client_id}


def with_demo_ids(path: str, ids: dict) -> str:
    """Fill path parameters with the demo tenant's real ids where the name says which."""
    def pick(m):
        name = m.group(1).lower()
        for key, value in (("cluster", ids["cluster"]), ("task", ids["task"]),
                           ("ws", ids["ws"]), ("workspace", ids["ws"]),
                           ("client", ids["client"]), ("org", ids["org"])):
            if key in name:
                return value
        return UUID
    return re.sub(r"\{([^}]+)\}", pick, path)


@pytest.fixture(scope="module")
def other_tenant(platform):
    from chalicelib.identity import clients, organizations
    org = organizations.create_organization("another tenant")
    client, secret = clients.create_client(org.uuid)
    return {"org": platform.headers(client.client_id, secret)}


@pytest.fixture(scope="module")
def revoked(platform):
    from chalicelib.identity import clients
    client, secret = clients.create_client(platform.demo.organization.uuid,
                                            platform.demo.workspace.uuid)
    headers = platform.headers(client.client_id, secret)
    clients.revoke_client(platform.demo.organization.uuid, client.client_id)
    return headers


@pytest.mark.parametrize("method, path", private_routes())
def test_another_organization_learns_nothing_of_ours(platform, demo_ids, other_tenant, method, path):
    target = with_demo_ids(path, demo_ids)
    reply = platform.request(method, target, "{}", headers=other_tenant["org"])
    text = reply.body.decode(errors="replace")
    assert reply.status_code < 500, (method, path, reply.status_code, text[:200])
    if reply.status_code < 400:  # it may act on its own things, never on ours
        assert not any(v in target for v in demo_ids.values()), (method, path, reply.status_code)
    for name, value in demo_ids.items():
        if value not in target:  # an id the caller sent may be echoed in "not found"
            assert value not in text, (method, path, name, reply.status_code, text[:300])
    assert "secret-demo-cluster" not in text


@pytest.mark.parametrize("method, path", private_routes())
def test_a_revoked_key_is_refused_everywhere(platform, demo_ids, revoked, method, path):
    reply = platform.request(method, with_demo_ids(path, demo_ids), "{}", headers=revoked)
    assert reply.status_code == 401, (method, path, reply.status_code, reply.body[:200])


@pytest.mark.parametrize("method, path", private_routes())
@pytest.mark.parametrize("who", ["none", "garbage", "forged", "expired"])
def test_private_routes_refuse_bad_credentials(platform, method, path, who):
    if who == "none":
        headers = {"Content-Type": "application/json"}
    elif who == "garbage":
        headers = {"Authorization": "Bearer x.y.z", "Content-Type": "application/json"}
    elif who == "forged":
        headers = {"Authorization": f"Bearer {forged_token(platform)}",
                   "Content-Type": "application/json"}
    else:
        headers = platform.headers()
    if who == "expired":
        platform.clock.advance(7200)
    try:
        reply = platform.request(method, concrete(path), "{}", headers=headers)
    finally:
        if who == "expired":
            platform.clock.advance(-7200)
    assert reply.status_code == 401, (method, path, reply.status_code, reply.body[:200])
    text = reply.body.decode(errors="replace")
    assert platform.demo.workspace.uuid not in text and platform.demo.organization.uuid not in text
