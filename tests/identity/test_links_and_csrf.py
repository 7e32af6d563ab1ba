"""Identity hardening (issue 8): links in emails come from the configured public URL only,
never from the request's Host; a new activation link ends the earlier ones; and a JSON call
that changes state with the session cookie needs the CSRF header, bearer tokens none."""
from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from chalicelib.identity import users
from chalicelib.kernel import config

from .helpers import (
    FORM,
    PASSWORD,
    Browser,
    activation_path,
    field,
    registration_page,
    sent_mail,
    sign_up,
    signed_up_and_in,
    signup_fields,
    text,
)

JSON = {"Content-Type": "application/json"}
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
          "X-Forwarded-Proto": "https"}
PUBLIC = "http://127.0.0.1:8000"      # what the harness configures as CORRAL_PUBLIC_URL


def _post_forged(b: Browser, path: str, fields: dict):
    reply = b.p.http.post(path, headers=b._headers({**FORM, **FORGED}), body=urlencode(fields))
    b._remember(reply)
    return reply


def _links_in(message) -> list[str]:
    import re
    return re.findall(r"https?://[^\s\"<>]+", message.body)


# ---- 2. the activation link ignores the Host header ------------------------------------------

def test_activation_link_uses_the_public_url_not_the_host(platform):
    b = Browser(platform)
    page = text(registration_page(b))
    reply = _post_forged(b, "/signup", {"csrf_token": field(page, "csrf_token"),
                                        **signup_fields(page)})
    assert reply.status_code == 200 and "An activation link was sent" in text(reply)
    # Signing in before activating sends another link: built the same way.
    page = text(b.get("/signin"))
    reply = _post_forged(b, "/signin", {"csrf_token": field(page, "csrf_token"),
                                        "email": "ada@example.com", "password": PASSWORD})
    assert reply.status_code == 403 and "We sent a new activation link" in text(reply)
    mails = sent_mail()
    assert len(mails) == 2
    for mail in mails:
        links = _links_in(mail)
        assert links and all(u.startswith(f"{PUBLIC}/activate?token=") for u in links), links
        assert "evil.example" not in mail.body
    assert b.get(activation_path("ada@example.com")).status_code == 200
    assert config.get().public_url == PUBLIC        # as the harness configures it


def test_no_public_url_no_link(platform, monkeypatch, caplog):
    """Without CORRAL_PUBLIC_URL no link is built (and the log says why): the Host is not a
    fallback."""
    monkeypatch.delenv("CORRAL_PUBLIC_URL", raising=False)
    config.reset()
    assert config.get().public_url == ""
    b = Browser(platform)
    page = text(registration_page(b))
    with caplog.at_level(logging.ERROR, logger="corral.pages"):
        reply = _post_forged(b, "/signup", {"csrf_token": field(page, "csrf_token"),
                                            **signup_fields(page)})
    assert reply.status_code == 200
    assert "the activation email could not be sent" in text(reply)
    assert sent_mail() == []
    assert any("CORRAL_PUBLIC_URL is not configured" in r.getMessage() for r in caplog.records)
    # Signing in before activating cannot send one either, and says to use the email's link.
    reply = b.submit("/signin", "/signin", {"email": "ada@example.com", "password": PASSWORD})
    assert reply.status_code == 403 and "Open the link in the activation email" in text(reply)
    assert sent_mail() == []


# ---- 3. a new activation link ends the earlier ones ------------------------------------------

def _sign_in_unactivated(b: Browser, email: str) -> str:
    reply = b.submit("/signin", "/signin", {"email": email, "password": PASSWORD})
    assert reply.status_code == 403 and "We sent a new activation link" in text(reply)
    return activation_path(email)


def test_a_new_activation_link_ends_the_earlier_ones(platform):
    b = Browser(platform)
    first = sign_up(b)
    second = _sign_in_unactivated(b, "ada@example.com")
    third = _sign_in_unactivated(b, "ada@example.com")
    assert len({first, second, third}) == 3
    for old in (first, second):
        reply = b.get(old)
        assert reply.status_code == 410 and "already used" in text(reply), text(reply)
    assert not users.find_by_email("ada@example.com").activated
    reply = b.get(third)
    assert reply.status_code == 200 and "Account activated" in text(reply)
    assert users.find_by_email("ada@example.com").activated
    for used in (first, second, third):
        assert b.get(used).status_code == 410
    reply = b.submit("/signin", "/signin", {"email": "ada@example.com", "password": PASSWORD})
    assert reply.status_code == 303


def test_the_sign_up_link_works_while_it_is_the_only_one(platform):
    b = Browser(platform)
    assert b.get(sign_up(b)).status_code == 200
    # Another user's newer link does not end this user's.
    b2 = Browser(platform)
    first = sign_up(b2, "bob@example.com", "222233334444")
    sign_up(Browser(platform), "eve@example.com", "333344445555")
    _sign_in_unactivated(Browser(platform), "eve@example.com")
    assert b2.get(first).status_code == 200


# ---- 4. the session cookie needs the CSRF header to change anything --------------------------

def _csrf(b: Browser) -> dict:
    return {"X-CSRF-Token": field(text(b.get("/")), "csrf_token")}


def test_cookie_state_changes_need_the_csrf_header(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    key_body = json.dumps({"name": "ci"})

    # The cookie alone: 403 (who calls is known, the call's origin is not), JSON or no
    # Content-Type at all; a forged or another browser's token does not do either.
    stranger = Browser(platform)
    others = field(text(stranger.get("/signin")), "csrf_token")
    for extra in ({**JSON}, {}, {**JSON, "X-CSRF-Token": "0" * 64},
                  {**JSON, "X-CSRF-Token": others}, {**JSON, "X-CSRF-Token": ""}):
        reply = platform.http.post("/v1/api-keys", headers=b._headers(extra), body=key_body)
        assert reply.status_code == 403, (extra, reply.body)
        assert "X-CSRF-Token" in reply.json_body["message"]
    for method, path, body in (("DELETE", "/v1/api-keys/some-key", None),
                               ("POST", "/v1/workspaces", {"name": "w"}),
                               ("PUT", "/v1/settings/aws-account",
                                {"accountId": "123456789012", "roleArn": "x",
                                 "region": "us-east-1"})):
        reply = platform.request(method, path, body, headers=b._headers(JSON))
        assert reply.status_code == 403, (method, path, reply.body)
    # Reads need no token; nothing was made.
    reply = platform.http.get("/v1/api-keys", headers=b._headers())
    assert reply.status_code == 200 and reply.json_body["data"] == []

    # With the page's token in the header (any content type the route takes): done.
    reply = platform.http.post("/v1/api-keys", headers=b._headers({**JSON, **_csrf(b)}),
                               body=key_body)
    assert reply.status_code == 201, reply.body
    key = reply.json_body
    reply = platform.http.delete(f"/v1/api-keys/{key['clientId']}",
                                 headers=b._headers(_csrf(b)))
    assert reply.status_code == 200 and reply.json_body["revoked"] is True

    # A session that is not valid is still a 401 (sign in again), token or not.
    forged = Browser(platform)
    forged.cookies.update(b.cookies, corral_session="forged.token.value")
    reply = platform.http.post("/v1/api-keys", headers=forged._headers({**JSON, **_csrf(b)}),
                               body=key_body)
    assert reply.status_code == 401


def test_bearer_tokens_need_no_csrf_header(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    session_token = b.cookies["corral_session"]
    # The session as a bearer token (an API client, not a browser page): no CSRF header.
    reply = platform.http.post("/v1/api-keys", body=json.dumps({"name": "org"}),
                               headers={**JSON, "Authorization": f"Bearer {session_token}"})
    assert reply.status_code == 201, reply.body
    key = reply.json_body
    # An API key's token, with a stray cookie or not.
    headers = platform.headers(key["clientId"], key["secret"])
    for extra in ({}, {"Cookie": f"corral_session={session_token}"}):
        reply = platform.http.post("/v1/api-keys", headers={**headers, **extra},
                                   body=json.dumps({"name": "second"}))
        assert reply.status_code == 201, reply.body
    # The demo organization key (the SDK's way in) too.
    org = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    reply = platform.http.post("/v1/api-keys", headers=org, body=json.dumps({"name": "demo"}))
    assert reply.status_code == 201
