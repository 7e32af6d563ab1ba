"""Which pages a person may see: the signed-in user behind the pages' session cookie, and the
decorator that keeps strangers out of a page (linking's Settings and the keys page use it)."""
from __future__ import annotations

import functools
from typing import Callable

from ..web.csrf import cookies
from ..web.pages import page_view, render
from . import users
from .organizations import Organization, get_organization
from .sessions import SESSION_COOKIE, InvalidSession, session_user


def signed_in(request) -> tuple[users.User, Organization] | None:
    token = cookies(request).get(SESSION_COOKIE)
    if not token:
        return None
    try:
        user = session_user(token)
    except InvalidSession:
        return None
    org = get_organization(user.organization_uuid)
    return (user, org) if org else None


def signed_in_page(bp) -> Callable:
    """A page for signed-in users only: strangers get 401 with the sign-in form; the view gets
    (user, org) first. PageErrors become their pages."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            who = signed_in(bp.current_request)
            if who is None:
                return render(bp.current_request, "signin.html", status=401, email="",
                              notice="Sign in to continue.")
            return fn(*who, *args, **kwargs)
        return page_view(bp)(wrapper)
    return decorate
