"""Cookies, and CSRF protection for the HTML forms (signed double submit): a random value in
the HttpOnly cookie `corral_csrf`, and in each form its HMAC under the platform's signing key;
a POST must bring both, matching."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import CookieError, SimpleCookie

from ..store.secrets import signing_secret

CSRF_COOKIE = "corral_csrf"
CSRF_FIELD = "csrf_token"
CSRF_TTL_SECONDS = 12 * 3600


def cookies(request) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", "") or "")
    except CookieError:
        return {}
    return {k: m.value for k, m in jar.items()}


def set_cookie(name: str, value: str, max_age: int, secure: bool = False) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie(name: str) -> str:
    return f"{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"


def _csrf_mac(value: str) -> str:
    return hmac.new(signing_secret().encode(), f"csrf:{value}".encode(),
                    hashlib.sha256).hexdigest()


def csrf_pair(request) -> tuple[str, str | None]:
    """(the form token, a Set-Cookie header if the browser has no CSRF cookie yet)."""
    value = cookies(request).get(CSRF_COOKIE, "")
    header = None
    if len(value) < 32:
        value = secrets.token_urlsafe(32)
        header = set_cookie(CSRF_COOKIE, value, CSRF_TTL_SECONDS)
    return _csrf_mac(value), header


def csrf_ok(request, form: dict) -> bool:
    value = cookies(request).get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    return bool(value and sent) and hmac.compare_digest(_csrf_mac(value), sent)


# JSON calls made with the session cookie prove where they come from the same way, in a header
# (a page reads the token from its forms); another site can neither read the token nor, without
# a CORS preflight Corral never answers, send a custom header.
CSRF_HEADER = "X-CSRF-Token"


def csrf_header_ok(request) -> bool:
    """Whether the request's X-CSRF-Token header passes the forms' signed double-submit check
    against its CSRF cookie."""
    return csrf_ok(request, {CSRF_FIELD: request.headers.get(CSRF_HEADER, "") or ""})
