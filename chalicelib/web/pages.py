"""Server-rendered pages: Jinja2 templates (autoescaped), form bodies, redirects, and the page
a refusal shows. No build step, no JavaScript needed.

Templates live beside the concept that shows them (chalicelib/<concept>/templates); the
shared layout (base.html, message.html) here in chalicelib/web/templates. Names are unique
across them."""
from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from chalice import Response

from ..kernel import config
from . import banners, csrf

log = logging.getLogger("corral.web")
FORM = "application/x-www-form-urlencoded"
# What the signed-in pages' forms accept: the form, and JSON only to be refused with a 401 (not
# a 415) when no one is signed in, like every private route.
SIGNED_IN_FORM = [FORM, "application/json"]
MAX_FORM_BYTES = 16 * 1024
CHALICELIB = Path(__file__).resolve().parent.parent


@functools.cache
def _env():
    """The template environment, made on the first page shown: importing Jinja2 is a good part
    of the app's import time, and most requests (the JSON API) never render a page."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    return Environment(loader=FileSystemLoader(sorted(CHALICELIB.glob("*/templates"))),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


class PageError(Exception):
    """Shown to the person as a page with `status`: a title and a sentence saying what to do."""

    def __init__(self, status: int, title: str, message: str, link: tuple[str, str] | None = None):
        super().__init__(message)
        self.status, self.title, self.message, self.link = status, title, message, link


# The left bar's pages that exist in this deployment: each concept's pages module offers its
# own when it is imported; the bar shows the others greyed out.
_offered: set[str] = {"/", "/settings", "/keys"}


def offer(path: str) -> None:
    _offered.add(path)


def render(request, template: str, status: int = 200, headers: list[str] | None = None,
           **context) -> Response:
    token, csrf_cookie = csrf.csrf_pair(request)
    user = context.get("user")
    if user is not None and "banners" not in context:   # a signed-in person's page
        context["banners"] = banners.banners(user.organization_uuid)
    context.setdefault("available_pages", frozenset(_offered))
    context.setdefault("base", base_path())
    context.setdefault("current_page", "/" + getattr(request, "path", "/").strip("/").split("/")[0])
    cookies = list(headers or [])
    if csrf_cookie:
        cookies.append(csrf_cookie)
    body = _env().get_template(template).render(csrf_token=token, csrf_field=csrf.CSRF_FIELD,
                                              **context)
    out = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
           "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
    if cookies:
        out["Set-Cookie"] = cookies
    return Response(body=body, status_code=status, headers=out)


def message_page(request, status: int, title: str, message: str,
                 link: tuple[str, str] | None = None, **context) -> Response:
    return render(request, "message.html", status=status, title=title, message=message,
                  link=link, **context)


def base_path() -> str:
    """The path the platform is served under, from its public URL: API Gateway's stage
    ("/api" of https://<id>.execute-api.<region>.amazonaws.com/api), or "" under a custom
    domain. Pages' links, forms and redirects start with it; routes are matched without it
    (API Gateway strips the stage)."""
    return urlsplit(config.get().public_url).path.rstrip("/")


def at_base(location: str) -> str:
    """A page's own path ("/clusters?…") under the base path; anything else as it is."""
    if location.startswith("/") and not location.startswith("//"):
        return base_path() + location
    return location


def redirect(location: str, cookies: list[str] | None = None) -> Response:
    """A 303 to `location`: one of the platform's own paths (put under the base path) or an
    absolute URL."""
    headers = {"Location": at_base(location), "Cache-Control": "no-store"}
    if cookies:
        headers["Set-Cookie"] = cookies
    return Response(body="", status_code=303, headers=headers)


def form(request) -> dict[str, str]:
    """The urlencoded form, one value per field (the last one wins)."""
    raw = request.raw_body or b""
    if len(raw) > MAX_FORM_BYTES:
        raise PageError(413, "Too much data", "The form sent more data than Corral accepts. "
                        "Shorten what you typed and try again.")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise PageError(400, "Unreadable form", "The form could not be read. Reload the page "
                        "and try again.") from None
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def checked_form(request) -> dict[str, str]:
    """The form, after the CSRF check."""
    data = form(request)
    if not csrf.csrf_ok(request, data):
        raise PageError(403, "Form expired", "This form expired or did not come from Corral's "
                        "own page. Go back, reload the page and submit it again.")
    return data


class NoPublicUrl(Exception):
    """CORRAL_PUBLIC_URL is not configured: no link to the platform can be built."""


def base_url() -> str:
    """The platform's public base URL, for links sent away from the page (emails): the
    configured one only (CORRAL_PUBLIC_URL), never the request's Host or X-Forwarded-* headers,
    which whoever sends the request chooses. Raises NoPublicUrl when it is not configured."""
    public = config.get().public_url
    if not public:
        raise NoPublicUrl("CORRAL_PUBLIC_URL is not configured")
    return public


def page_view(bp) -> Callable:
    """Turn PageErrors raised by the view into their pages."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PageError as e:
                return message_page(bp.current_request, e.status, e.title, e.message, e.link)
        return wrapper
    return decorate
