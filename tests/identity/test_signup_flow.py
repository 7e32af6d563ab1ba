"""Sign-up through the AWS Marketplace, activation and sign-in: each flow and each failure,
through HTTP on the in-process platform (moto for ResolveCustomer and SES)."""
from __future__ import annotations

from chalicelib.identity import signup, users
from local import marketplace

from .helpers import (
    PASSWORD,
    Browser,
    activation_path,
    field,
    registration_page,
    sent_mail,
    sign_up,
    signup_fields,
    text,
)


def test_register_sign_up_activate_sign_in(platform):
    b = Browser(platform)
    page = text(registration_page(b, "123456789012"))
    for label in ("Name", "Email", "Organization name", "Password", "I accept the terms",
                  "SIGN UP"):
        assert label in page
    assert "123456789012" in page
    reply = b.submit(page, "/signup", signup_fields(page, email="  Ada@Example.COM "))
    assert reply.status_code == 200
    assert "An activation link was sent to your email" in text(reply)
    user = users.find_by_email("ada@example.com")
    assert user is not None and not user.activated and user.role == users.ADMIN
    (mail,) = sent_mail()
    assert mail.destinations["ToAddresses"] == ["ada@example.com"]

    # Not activated yet: no way in (and a fresh link is sent).
    reply = b.submit("/signin", "/signin", {"email": "ada@example.com", "password": PASSWORD})
    assert reply.status_code == 403 and "not activated" in text(reply)
    assert len(sent_mail()) == 2

    reply = b.get(activation_path("ada@example.com"))
    assert reply.status_code == 200 and "Account activated" in text(reply)
    reply = b.submit("/signin", "/signin", {"email": "ADA@example.com", "password": PASSWORD})
    assert reply.status_code == 303 and reply.headers["Location"] == "/"
    assert "corral_session" in b.cookies
    home = text(b.get("/"))
    assert "Welcome, Ada Lovelace" in home and "Analytical Engines" in home
    assert 'href="/settings"' in home and 'href="/keys"' in home

    # The organization is a real one, with the admin's session acting for it in the API.
    org_uuid = users.find_by_email("ada@example.com").organization_uuid
    reply = platform.http.get("/v1/api-keys", headers=b._headers())
    assert reply.status_code == 200 and reply.json_body["data"] == []
    (sub,) = [s for s in marketplace.subscriptions()
              if s.customer_aws_account_id == "123456789012"]
    reg = signup.customer_registration(sub.customer_identifier)
    assert reg["organization_uuid"] == org_uuid
    # who the organization is billed as, for usage reports (ResolveCustomer's answer)
    from chalicelib.identity.customers import customer_of
    customer = customer_of(org_uuid)
    assert (customer.customer_aws_account_id, customer.license_arn) == ("123456789012",
                                                                       sub.license_arn)

    # Signing out ends the session itself, not only the cookie: a copy of the token is refused.
    copied = b.cookies["corral_session"]
    platform.clock.advance(1)
    reply = b.submit("/", "/signout", {})
    assert reply.status_code == 303 and "corral_session" not in b.cookies
    assert b.get("/").status_code == 401
    reply = platform.http.get("/v1/api-keys", headers={"Authorization": f"Bearer {copied}"})
    assert reply.status_code == 401 and "signed out" in reply.json_body["message"]
    reply = b.submit("/signin", "/signin", {"email": "ada@example.com", "password": PASSWORD})
    assert reply.status_code == 303 and b.get("/").status_code == 200


def test_marketplace_token_failures(platform):
    b = Browser(platform)
    reply = registration_page(b, token="not-a-token")
    assert reply.status_code == 400 and "did not recognise this registration link" in text(reply)

    reply = b.post("/marketplace/register", {})
    assert reply.status_code == 400 and "AWS Marketplace console" in text(reply)

    token = marketplace.create_subscription("123456789012")
    platform.clock.advance(marketplace.TOKEN_TTL_SECONDS + 1)
    reply = registration_page(b, token=token)
    assert reply.status_code == 400 and "expired" in text(reply)


def test_reused_token_and_registered_customer(platform):
    b = Browser(platform)
    token = marketplace.create_subscription("123456789012")
    page = text(registration_page(b, token=token))
    assert b.submit(page, "/signup", signup_fields(page)).status_code == 200

    reply = registration_page(Browser(platform), token=token)
    assert reply.status_code == 409 and "already used" in text(reply)
    # The same customer with a fresh token: already registered.
    reply = registration_page(Browser(platform), "123456789012")
    assert reply.status_code == 409 and "already has a Corral account" in text(reply)
    # The registration form, posted again: refused, nothing more written.
    reply = b.submit(page, "/signup", signup_fields(page, email="other@example.com"))
    assert reply.status_code == 409 and "already registered" in text(reply)
    assert users.find_by_email("other@example.com") is None


def test_duplicate_email(platform):
    sign_up(Browser(platform), "ada@example.com", "123456789012")
    b = Browser(platform)
    page = text(registration_page(b, "222233334444"))
    reply = b.submit(page, "/signup", signup_fields(page, email="ADA@example.com"))
    assert reply.status_code == 409 and "already exists" in text(reply)
    # The second customer may still register, with another email.
    reply = b.submit(page, "/signup", signup_fields(page, email="bob@example.com"))
    assert reply.status_code == 200


def test_csrf_and_expired_registration_form(platform):
    b = Browser(platform)
    page = text(registration_page(b))
    reply = b.post("/signup", {**signup_fields(page), "csrf_token": "0" * 64})
    assert reply.status_code == 403 and "expired or did not come from Corral" in text(reply)
    reply = b.post("/signup", signup_fields(page))
    assert reply.status_code == 403
    stranger = Browser(platform)     # a token from another browser's page does not fit
    reply = stranger.submit("/signin", "/signup", {})
    reply = stranger.post("/signup", {**signup_fields(page),
                                      "csrf_token": field(page, "csrf_token")})
    assert reply.status_code == 403
    assert users.find_by_email("ada@example.com") is None

    platform.clock.advance(3601)
    reply = b.submit(page, "/signup", signup_fields(page))
    assert reply.status_code == 400 and "form expired" in text(reply)


def test_activation_link_failures(platform):
    b = Browser(platform)
    link = sign_up(b)
    assert b.get("/activate?token=nonsense").status_code == 404
    assert b.get("/activate").status_code == 404
    assert b.get(link).status_code == 200
    reply = b.get(link)
    assert reply.status_code == 410 and "already used" in text(reply)

    b2 = Browser(platform)
    link2 = sign_up(b2, "bob@example.com", "222233334444")
    platform.clock.advance(users.ACTIVATION_TTL_SECONDS + 1)
    reply = b2.get(link2)
    assert reply.status_code == 410 and "expired" in text(reply)
    reply = b2.submit("/signin", "/signin", {"email": "bob@example.com", "password": PASSWORD})
    assert reply.status_code == 403


def test_wrong_password_and_unknown_email(platform):
    b = Browser(platform)
    assert b.get(sign_up(b)).status_code == 200
    for email, password in (("ada@example.com", "wrong password 1"),
                            ("nobody@example.com", PASSWORD)):
        reply = b.submit("/signin", "/signin", {"email": email, "password": password})
        assert reply.status_code == 401 and "Wrong email or password" in text(reply)
        assert "corral_session" not in b.cookies
    reply = b.post("/signin", {"email": "ada@example.com", "password": PASSWORD})
    assert reply.status_code == 403 and "corral_session" not in b.cookies


def test_pages_need_a_session(platform):
    b = Browser(platform)
    for path in ("/", "/settings", "/keys"):
        reply = b.get(path)
        assert reply.status_code == 401 and 'action="/signin"' in text(reply)
    for path in ("/keys", "/settings/link", "/settings/create-role", "/keys/x/revoke"):
        assert b.post(path, {"name": "k"}).status_code == 401
    b.cookies["corral_session"] = "forged.token.value"
    assert b.get("/").status_code == 401


def test_repeated_wrong_passwords_lock_sign_in_for_a_while(platform):
    b = Browser(platform)
    link = sign_up(b, "grace@example.com")
    assert b.get(link).status_code == 200
    for _ in range(users.MAX_FAILED_SIGNINS):
        reply = b.submit("/signin", "/signin", {"email": "grace@example.com", "password": "nope"})
        assert reply.status_code == 401
    # Now even the right password waits, and says how long.
    reply = b.submit("/signin", "/signin", {"email": "GRACE@example.com", "password": PASSWORD})
    assert reply.status_code == 429 and "Try again in 15 minutes" in text(reply)
    platform.clock.advance(users.LOCKOUT_SECONDS)
    reply = b.submit("/signin", "/signin", {"email": "grace@example.com", "password": PASSWORD})
    assert reply.status_code == 303
    # A success starts the count again: one more wrong password is just a wrong password.
    other = Browser(platform)
    reply = other.submit("/signin", "/signin", {"email": "grace@example.com", "password": "nope"})
    assert reply.status_code == 401


def test_unknown_emails_are_throttled_too(platform):
    b = Browser(platform)
    for _ in range(users.MAX_FAILED_SIGNINS):
        b.submit("/signin", "/signin", {"email": "nobody@example.com", "password": "x"})
    reply = b.submit("/signin", "/signin", {"email": "nobody@example.com", "password": "x"})
    assert reply.status_code == 429
