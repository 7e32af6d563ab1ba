"""Sign-in state for the pages and the API.

- Session: an HS256 JWT (the key of chalicelib/tokens.py) with audience "corral-session",
  carrying the user and organization ids; sent as the HttpOnly, SameSite=Lax cookie
  `corral_session` by the pages, or as a bearer token by API clients. API-key tokens carry no
  audience and session tokens do, so neither is accepted as the other.
- Registration: a short-lived JWT (audience "corral-registration") carrying the resolved
  Marketplace customer from the registration page to the sign-up form.
The pages' forms are CSRF-protected by chalicelib/web/csrf.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel import clock
from ..store.secrets import signing_secret
from . import tokens, users
from .tokens import jwt

SESSION_COOKIE = "corral_session"
SESSION_AUDIENCE = "corral-session"
REGISTRATION_AUDIENCE = "corral-registration"
SESSION_TTL_SECONDS = 12 * 3600
REGISTRATION_TTL_SECONDS = 3600


class InvalidSession(Exception):
    pass


@dataclass(frozen=True)
class Session:
    user_uuid: str
    organization_uuid: str
    issued_at: float


def _encode(claims: dict, audience: str, ttl: int) -> str:
    now = int(clock.now())
    return jwt().encode({**claims, "iss": tokens.ISSUER, "aud": audience, "iat": now,
                       "exp": now + ttl}, signing_secret(), algorithm=tokens.ALGORITHM)


def _decode(token: str, audience: str) -> dict:
    try:
        claims = jwt().decode(token, signing_secret(), algorithms=[tokens.ALGORITHM],
                            audience=audience, issuer=tokens.ISSUER,
                            options={"require": ["exp", "iat", "aud"], "verify_exp": False,
                                     "verify_iat": False, "verify_nbf": False})
    except jwt().PyJWTError as e:
        raise InvalidSession(str(e)) from e
    if claims["exp"] <= clock.now():   # the injectable clock, as tokens.verify does
        raise InvalidSession("expired")
    return claims


def is_session_token(token: str) -> bool:
    """Whether the token claims to be a session (unverified: only picks the verifier)."""
    try:
        return jwt().decode(token, options={"verify_signature": False}).get("aud") == \
            SESSION_AUDIENCE
    except jwt().PyJWTError:
        return False


def issue_session(user_uuid: str, organization_uuid: str) -> str:
    # "at": when, to the sub-second, so signing out can end every session issued before it.
    return _encode({"sub": user_uuid, "org": organization_uuid, "at": clock.now()},
                   SESSION_AUDIENCE, SESSION_TTL_SECONDS)


def verify_session(token: str) -> Session:
    claims = _decode(token, SESSION_AUDIENCE)
    if not claims.get("sub") or not claims.get("org"):
        raise InvalidSession("not a session")
    return Session(claims["sub"], claims["org"], float(claims.get("at", claims["iat"])))


def session_user(token: str) -> users.User:
    """The signed-in user behind a session token: activated, still in the organization the
    session names, and not signed out since. Raises InvalidSession."""
    s = verify_session(token)
    user = users.get_user(s.user_uuid)
    if user is None or not user.activated or user.organization_uuid != s.organization_uuid:
        raise InvalidSession("this session is no longer valid")
    if s.issued_at < user.signed_out_at:
        raise InvalidSession("signed out")
    return user


def issue_registration(customer: dict, token_digest: str) -> str:
    return _encode({"customer": customer, "mpt": token_digest}, REGISTRATION_AUDIENCE,
                   REGISTRATION_TTL_SECONDS)


def verify_registration(token: str) -> tuple[dict, str]:
    claims = _decode(token, REGISTRATION_AUDIENCE)
    return claims["customer"], claims["mpt"]
