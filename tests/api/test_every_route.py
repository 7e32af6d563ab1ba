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
