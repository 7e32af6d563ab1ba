"""Bad sign-up input: each refused with a sentence naming what to fix, the form kept, nothing
written (one shared platform: every case uses its own Marketplace customer and email)."""
from __future__ import annotations

import pytest

from chalicelib.identity import users

from .helpers import PASSWORD, Browser, registration_page, signup_fields, text


@pytest.mark.parametrize("over, field_name, words", [
    ({"password": "short1"}, "password", "10 to 128 characters"),
    ({"password": "onlyletterslong"}, "password", "one letter and one digit"),
    ({"password": "1234567890123"}, "password", "one letter and one digit"),
    ({"email": "grace@example.com", "password": "grace@example.com"}, "password",
     "must not be your email"),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"name": "   "}, "name", "Enter your name"),
    ({"organization": ""}, "organization", "organization name"),
    ({"terms": None}, "terms", "Accept the terms"),
])
def test_bad_sign_up_input(shared_platform, over, field_name, words):
    b = Browser(shared_platform)
    page = text(registration_page(b, marketplace_account()))
    reply = b.submit(page, "/signup", signup_fields(page, **{"email": "x@example.com", **over}))
    assert reply.status_code == 400, text(reply)
    assert words in text(reply)
    # The form comes back with what was typed (but never the password) and nothing is made.
    assert 'name="password" maxlength' in text(reply)
    assert over.get("password", PASSWORD) not in text(reply).replace(
        f'value="{over.get("email", "x@example.com")}"', "")
    assert users.find_by_email(over.get("email", "x@example.com")) is None


_accounts = iter(range(100000000000, 100000001000))


def marketplace_account() -> str:
    return str(next(_accounts))
