"""People: users who sign in to the pages, their activation, and signing in.

Rows in the state table:
- (user#<uuid>, user): the user; `password_hash` is an argon2id hash (argon2-cffi), the
  password itself is never stored or logged.
- (email#<normalised email>, email): {user_uuid}; written only if new, so an email is unique.
- (activation#<sha256 of token>, activation): {user_uuid, expires_at}; the token is only in
  the email. (activation-used#<sha256>, activation-used), written only if new, spends it once.
  A new link (signing in before activating) ends the earlier ones: the user keeps the digest
  of the latest (`activation_digest`; empty: the sign-up's link is the only one).
- (signin-failures#<sha256 of email>, failures): sign-in attempts for the lockout, counted in
  a window with one atomic increment each (records.count_in_window) before the password is
  checked; a right password writes the row over, which starts the count again.
Users are made by a sign-up (chalicelib/identity/signup.py).
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import functools
import secrets
from dataclasses import asdict, dataclass, replace

from ..kernel import clock
from ..store import records

log = logging.getLogger("corral.users")
ACTIVATION_TTL_SECONDS = 24 * 3600
PASSWORD_MIN, PASSWORD_MAX = 10, 128
EMAIL = re.compile(r"^[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")
ADMIN = "admin"


@functools.cache
def _hasher():
    """argon2id with the library's current recommended parameters. Made on the first password
    hashed or checked: the worker never needs it, and the API imports it only when a person
    signs up or in."""
    from argon2 import PasswordHasher
    return PasswordHasher()


class SignupError(Exception):
    """A sign-up or activation that cannot go on: `message` tells the person what to do;
    `field` names the form field at fault, if one is."""

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


@dataclass(frozen=True)
class User:
    uuid: str
    email: str
    name: str
    organization_uuid: str
    password_hash: str
    created_at: float
    activated: bool = False
    role: str = ADMIN
    signed_out_at: float = 0.0   # sessions issued before this are no longer valid
    activation_digest: str = ""  # the latest activation link's (earlier links no longer work)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL.match(email):
        raise SignupError("Enter a valid email address, like name@example.com.", "email")
    return email


def check_password(password: str, email: str = "") -> None:
    """The rules: 10 to 128 characters, at least one letter and one character that is not a
    letter, and not the email address (or its part before the @)."""
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        raise SignupError(f"Choose a password of {PASSWORD_MIN} to {PASSWORD_MAX} characters.",
                          "password")
    if not re.search(r"[^\W\d_]", password) or not re.search(r"[\W\d_]", password):
        raise SignupError("Use at least one letter and one digit or symbol in your password.",
                          "password")
    local = normalise_email(email).partition("@")[0]
    if password.lower() in {normalise_email(email), local}:
        raise SignupError("Your password must not be your email address.", "password")


def token_digest(token: str) -> str:
    return _digest(token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_user(user_uuid: str) -> User | None:
    body = records.get_record(f"user#{user_uuid}", "user")
    return User(**body) if body else None


def find_by_email(email: str) -> User | None:
    row = records.get_record(f"email#{normalise_email(email)}", "email")
    return get_user(row["user_uuid"]) if row else None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def activation_row(user_uuid: str, token: str, now: float) -> tuple[str, str, str, dict]:
    """The row that lets `token` activate the user until it expires."""
    return (f"activation#{_digest(token)}", "activation", "activation",
            {"user_uuid": user_uuid, "expires_at": now + ACTIVATION_TTL_SECONDS})


def new_activation(user: User) -> str:
    """A fresh activation token for a user who has not activated yet. It ends the earlier ones:
    only the latest link sent works."""
    token = secrets.token_urlsafe(32)
    records.put_record(*activation_row(user.uuid, token, clock.now()), only_if_new=True)
    current = get_user(user.uuid) or user   # the row as it is now, not as the caller read it
    records.put_record(f"user#{user.uuid}", "user", "user",
                       asdict(replace(current, activation_digest=_digest(token))))
    return token


ACTIVATION_USED = ("This activation link was already used. Sign in with your email and "
                   "password.")


def activate(token: str) -> User:
    """Spend an activation token. Raises SignupError if unknown, expired, already used or
    ended by a newer link (which says the same as a used one)."""
    digest = _digest(token or "")
    row = records.get_record(f"activation#{digest}", "activation") if token else None
    if row is None:
        raise SignupError("This activation link is not valid. Copy the whole link from the "
                          "email, or sign in to get a new one.", status=404)
    if row["expires_at"] <= clock.now():
        raise SignupError("This activation link has expired. Sign in with your email and "
                          "password to get a new one.", status=410)
    user = get_user(row["user_uuid"])
    if user is None:
        raise SignupError("This activation link is not valid.", status=404)
    if user.activation_digest and user.activation_digest != digest:
        raise SignupError(ACTIVATION_USED, status=410)
    if not records.put_record(f"activation-used#{digest}", "activation-used", "activation-used",
                            {"at": clock.now()}, only_if_new=True):
        raise SignupError(ACTIVATION_USED, status=410)
    if not user.activated:
        user = replace(user, activated=True)
        records.put_record(f"user#{user.uuid}", "user", "user", asdict(user))
        log.info("user %s activated", user.uuid)
    return user


class SignInError(Exception):
    def __init__(self, message: str, user: User | None = None, status: int = 401):
        super().__init__(message)
        self.message, self.user, self.status = message, user, status


WRONG_CREDENTIALS = "Wrong email or password. Check both and try again."
MAX_FAILED_SIGNINS = 5                 # in a row, per email address...
LOCKOUT_SECONDS = 15 * 60              # ...then sign-in waits this long from the first failure


def _failures_key(email: str) -> str:
    return f"signin-failures#{token_digest(normalise_email(email))}"


def _count_attempt(key: str) -> None:
    """Count this attempt before its password is checked (one atomic increment: attempts sent
    in parallel each get their own number), and refuse it (429) if MAX_FAILED_SIGNINS came
    before it in the window, which begins with the first failure and lasts LOCKOUT_SECONDS."""
    now = clock.now()
    count, since = records.count_in_window(key, "failures", "signin-failures", LOCKOUT_SECONDS,
                                           now)
    if count <= MAX_FAILED_SIGNINS:
        return
    minutes = max(1, math.ceil((since + LOCKOUT_SECONDS - now) / 60))
    raise SignInError(f"Too many failed sign-ins for this email. Try again in {minutes} "
                      f"minute{'s' if minutes > 1 else ''}.", status=429)


def authenticate(email: str, password: str) -> User:
    """The user, if the password is right and the account activated. Raises SignInError (with
    the user when only activation is missing, so a new link can be sent). After
    MAX_FAILED_SIGNINS wrong passwords in a row for an email, sign-in waits LOCKOUT_SECONDS
    (429), whatever the password, and the password is not even checked: guessing stays slow,
    in parallel too."""
    key = _failures_key(email)
    _count_attempt(key)
    user = find_by_email(email)
    if user is None:
        _hasher().hash(password or "-")   # the same work as a real check: no timing hint
        raise SignInError(WRONG_CREDENTIALS)
    from argon2.exceptions import InvalidHashError, VerificationError
    try:
        _hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise SignInError(WRONG_CREDENTIALS) from None
    # The right password: the count starts again (this attempt was counted already).
    records.put_record(key, "failures", "signin-failures", {"count": 0, "since": clock.now()})
    if not user.activated:
        raise SignInError("Your account is not activated yet.", user)
    if _hasher().check_needs_rehash(user.password_hash):
        user = replace(user, password_hash=_hasher().hash(password))
        records.put_record(f"user#{user.uuid}", "user", "user", asdict(user))
    return user


def sign_out(user: User) -> User:
    """End every session of the user issued until now (the cookie alone is not enough: a copied
    token would live on until it expires)."""
    out = replace(user, signed_out_at=clock.now())
    records.put_record(f"user#{user.uuid}", "user", "user", asdict(out))
    return out
