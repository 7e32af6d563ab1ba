"""The sign-in lockout holds against wrong passwords sent in parallel: the count of failed
sign-ins is one atomic conditional increment per attempt (records.count_in_window), so
concurrent guesses cannot overwrite each other's count, and at most MAX_FAILED_SIGNINS of them
are even checked. Threads run against the in-process platform (moto, Chalice's test client);
the emulator applies each DynamoDB request whole, as DynamoDB does (local/moto_ext/dynamodb_atomic)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.identity import users
from chalicelib.store import records

from .helpers import PASSWORD, Browser, field, sign_up, text

EMAIL = "grace@example.com"
ATTEMPTS, WORKERS = 40, 16


def _activated(platform) -> None:
    b = Browser(platform)
    assert b.get(sign_up(b, EMAIL)).status_code == 200


def _status(email: str, password: str) -> int:
    try:
        users.authenticate(email, password)
    except users.SignInError as e:
        return e.status
    return 200


def test_parallel_wrong_passwords_lock_the_email(platform):
    _activated(platform)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        statuses = list(pool.map(lambda i: _status(EMAIL, f"wrong password {i}"),
                                 range(ATTEMPTS)))
    # Every attempt was counted: only the first MAX_FAILED_SIGNINS were checked at all (401),
    # the others waited (429) without their password being tried.
    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) == users.MAX_FAILED_SIGNINS, statuses
    count, _since = records.count_in_window(users._failures_key(EMAIL), "failures",
                                            "signin-failures", users.LOCKOUT_SECONDS,
                                            platform.clock())
    assert count == ATTEMPTS + 1
    # Locked: the right password waits too, for the window that began with the first failure.
    with pytest.raises(users.SignInError) as refused:
        users.authenticate(EMAIL, PASSWORD)
    assert refused.value.status == 429 and "15 minutes" in refused.value.message
    platform.clock.advance(users.LOCKOUT_SECONDS)
    assert users.authenticate(EMAIL, PASSWORD).email == EMAIL
    # The success started the count again.
    assert _status(EMAIL, "wrong again 1") == 401
    assert users.authenticate(EMAIL, PASSWORD).email == EMAIL


def test_parallel_wrong_passwords_through_the_sign_in_page(platform):
    _activated(platform)
    b = Browser(platform)
    token = field(text(b.get("/signin")), "csrf_token")
    headers = b._headers({"Content-Type": "application/x-www-form-urlencoded"})

    def post(password: str) -> int:
        from urllib.parse import urlencode
        body = urlencode({"csrf_token": token, "email": EMAIL, "password": password})
        return platform.http.post("/signin", headers=headers, body=body).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda i: post(f"wrong password {i}"), range(30)))
    assert statuses.count(401) <= users.MAX_FAILED_SIGNINS, statuses
    assert set(statuses) <= {401, 429}, statuses
    reply = b.submit("/signin", "/signin", {"email": EMAIL, "password": PASSWORD})
    assert reply.status_code == 429 and "Try again in 15 minutes" in text(reply)
    assert "corral_session" not in b.cookies


def test_count_in_window(platform):
    """The generic counter: counts within the window, starts a new one after it."""
    now = platform.clock()
    assert records.count_in_window("counter#t", "c", "test", 60, now) == (1, now)
    assert records.count_in_window("counter#t", "c", "test", 60, now + 59) == (2, now)
    assert records.count_in_window("counter#t", "c", "test", 60, now + 60) == (1, now + 60)
    assert records.count_in_window("counter#t", "c", "test", 60, now + 61) == (2, now + 60)
    assert records.get_record("counter#t", "c") == {}      # a plain row too
    # Many at once: each caller sees its own count, none is lost.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        seen = list(pool.map(lambda _: records.count_in_window("counter#p", "c", "test", 60,
                                                                 now)[0], range(ATTEMPTS)))
    assert sorted(seen) == list(range(1, ATTEMPTS + 1))
