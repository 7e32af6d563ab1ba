"""Pages behind API Gateway: under the execute-api URL's stage path every link, form, redirect
and emailed link keeps the stage (routes are matched without it, as API Gateway strips it);
under a custom domain there is no prefix. Built from the configured public URL only, never
from the request's Host."""
from __future__ import annotations

import re

import pytest

from chalicelib.kernel import config
from tests.identity.helpers import Browser, text
from tests.notebooks.helpers import demo_user

STAGE_URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/api"
DOMAIN_URL = "https://corral.example.com"


@pytest.fixture
def public_url(monkeypatch):
    def use(url: str) -> None:
        monkeypatch.setenv("CORRAL_PUBLIC_URL", url)
        config.reset()
    yield use
    config.reset()


def _paths(page: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="(/[^"]*)"', page)


@pytest.mark.parametrize("url, base", [(STAGE_URL, "/api"), (DOMAIN_URL, "")])
def test_every_link_form_and_redirect_keeps_the_base(platform, public_url, url, base):
    public_url(url)
    browser = Browser(platform)
    signin = text(browser.get("/signin"))
    assert f'action="{base}/signin"' in signin
    demo_user(platform, browser)
    for page in ("/", "/clusters", "/jobs", "/notebooks", "/settings", "/keys"):
        reply = browser.get(page)
        assert reply.status_code == 200, (page, text(reply)[:300])
        paths = _paths(text(reply))
        assert paths, page
        wrong = [p for p in paths if not p.startswith(f"{base}/") or
                 (base == "" and p.startswith("/api/"))]
        assert not wrong, (page, wrong)
    # a post/redirect/get keeps it, and the Host header changes nothing
    reply = browser.submit("/keys", "/keys", {"name": "ci"})
    assert reply.status_code in (200, 303)
    out = browser.submit("/", "/signout", {})
    assert out.status_code == 303 and out.headers["Location"] == f"{base}/signin"


def test_the_host_header_is_never_a_link(platform, public_url):
    public_url(STAGE_URL)
    browser = Browser(platform)
    page = text(platform.http.get("/signin", headers={"Host": "evil.example.net"}))
    assert "evil.example.net" not in page
    assert 'action="/api/signin"' in page
    assert browser
