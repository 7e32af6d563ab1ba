"""Who is calling: an API key's bearer token (verified, its client still not revoked), or a
signed-in user's session (bearer token or the pages' cookie), which acts for the whole
organization. A call with the cookie that changes state (any method but GET, HEAD or OPTIONS)
must also prove it comes from Corral's own page: the X-CSRF-Token header, checked as the forms'
CSRF token is (chalicelib/web/csrf.py), whatever the content type; bearer tokens need none."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel import logs
from ..api.http import ApiError
from ..web.csrf import CSRF_HEADER, cookies, csrf_header_ok
from . import sessions as session
from . import tokens
from .clients import get_client
from .organizations import Organization, get_organization
from .users import ADMIN, get_user

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    client_id: str
    organization_uuid: str
    workspace_uuid: str | None
    user_uuid: str | None = None     # set when a signed-in user calls, not an API key

    def require_workspace(self) -> str:
        if not self.workspace_uuid:
            raise ApiError(403, "Forbidden", "this call needs a workspace API key")
        return self.workspace_uuid

    def require_organization(self) -> str:
        if self.workspace_uuid:
            raise ApiError(403, "Forbidden", "this call needs an organization API key")
        return self.organization_uuid


def _token(request) -> tuple[str, bool]:
    """The bearer token, else the session cookie (the second value says which)."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Unauthorized", "missing bearer token")
        return token.strip(), False
    cookie = cookies(request).get(session.SESSION_COOKIE, "")
    if cookie:
        return cookie, True
    raise ApiError(401, "Unauthorized", "missing bearer token")


def _user_caller(token: str) -> Caller:
    try:
        user = session.session_user(token)
    except session.InvalidSession as e:
        raise ApiError(401, "Unauthorized", f"invalid session: {e}; sign in again") from None
    return Caller("", user.organization_uuid, None, user.uuid)


def _check_csrf(request) -> None:
    """A state change with the session cookie needs the CSRF header: 403, since who calls is
    known (the session is valid) but not that the call comes from Corral's page; signing in
    again would not help."""
    if (request.method or "GET").upper() in SAFE_METHODS or csrf_header_ok(request):
        return
    raise ApiError(403, "Forbidden", f"a call with the session cookie that changes something "
                   f"needs the {CSRF_HEADER} header of Corral's page (or use a bearer token)")


def caller(request) -> Caller:
    """Who calls (401 for no or bad credentials); the request's logs name them from then on."""
    c = _caller(request)
    logs.bind(organization=c.organization_uuid, workspace=c.workspace_uuid,
              client=c.client_id)
    return c


def _caller(request) -> Caller:
    token, from_cookie = _token(request)
    if from_cookie:
        c = _user_caller(token)
        _check_csrf(request)
        return c
    if session.is_session_token(token):
        return _user_caller(token)
    try:
        claims = tokens.verify(token)
    except tokens.InvalidToken as e:
        raise ApiError(401, "Unauthorized", f"invalid token: {e}") from None
    client = get_client(claims.client_id)
    if client is None or client.revoked or client.organization_uuid != claims.organization_uuid:
        raise ApiError(401, "Unauthorized", "this API key was revoked")
    return Caller(client.client_id, client.organization_uuid, client.workspace_uuid)


def caller_organization(request) -> Organization:
    """The organization of an organization-level caller (403 for a workspace key)."""
    return organization_of(caller(request))


def organization_of(c: Caller) -> Organization:
    org = get_organization(c.require_organization())
    if org is None:  # a key of an organization that is gone
        raise ApiError(401, "Unauthorized", "this API key's organization no longer exists")
    return org


def organization_admin(request, what: str) -> Caller:
    """Organization-level access by an admin, to `what` ("manage API keys"): an organization
    key, or a signed-in admin of the organization. 403 for a workspace key or another person."""
    c = caller(request)
    c.require_organization()
    if c.user_uuid:
        user = get_user(c.user_uuid)
        if user is None or user.role != ADMIN:
            raise ApiError(403, "Forbidden", f"only an organization admin can {what}")
    return c


def actor(c: Caller) -> str:
    """Who asks, as tasks and events record it: a user's email or an API key's name."""
    if c.user_uuid:
        user = get_user(c.user_uuid)
        return f"user {user.email}" if user else f"user {c.user_uuid}"
    client = get_client(c.client_id)
    return f"API key {client.name}" if client and client.name else f"API key {c.client_id}"
