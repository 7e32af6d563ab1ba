"""Acting as a browser on the in-process platform: cookies kept, forms posted with their CSRF
token, the activation link read from the email moto's SES keeps."""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode, urlsplit

from local import marketplace
from local.accounts import PLATFORM_ACCOUNT_ID

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSWORD = "correct horse 42"


def field(page: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert m, f"no field {name} in page:\n{page[:2000]}"
    return html.unescape(m.group(1))


class Browser:
    def __init__(self, platform):
        self.p = platform
        self.cookies: dict[str, str] = {}

    def _remember(self, reply) -> None:
        found = [v for k, v in reply.headers.items() if k.lower() == "set-cookie"]
        for value in found:
            for c in value if isinstance(value, list) else [value]:
                name, _, rest = c.partition("=")
                val = rest.split(";", 1)[0]
                if "Max-Age=0" in c:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val

    def _headers(self, extra: dict | None = None) -> dict:
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return h

    def get(self, path: str):
        reply = self.p.http.get(path, headers=self._headers())
        self._remember(reply)
        return reply

    def post(self, path: str, fields: dict):
        reply = self.p.http.post(path, headers=self._headers(FORM), body=urlencode(fields))
        self._remember(reply)
        return reply

    def submit(self, page_path_or_html: str, path: str, fields: dict):
        """Post a form with the CSRF token of the page it came from."""
        page = page_path_or_html
        if page.startswith("/"):
            page = self.get(page).body.decode()
        return self.post(path, {"csrf_token": field(page, "csrf_token"), **fields})


def text(reply) -> str:
    return reply.body.decode() if isinstance(reply.body, bytes) else str(reply.body)


def registration_page(browser: Browser, account_id: str = "123456789012",
                      token: str | None = None):
    token = token or marketplace.create_subscription(account_id)
    return browser.post("/marketplace/register", {"x-amzn-marketplace-token": token})


def signup_fields(page: str, email: str = "ada@example.com", **over) -> dict:
    fields = {"registration": field(page, "registration"), "name": "Ada Lovelace",
              "email": email, "organization": "Analytical Engines", "password": PASSWORD,
              "terms": "accepted"}
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


def sent_mail() -> list:
    from moto.ses.models import ses_backends
    return list(ses_backends[PLATFORM_ACCOUNT_ID]["us-east-1"].sent_messages)


def activation_path(to: str | None = None) -> str:
    for message in reversed(sent_mail()):
        if to is None or to in str(message.destinations):
            m = re.search(r"https?://[^\s\"<>]+/activate\?token=[A-Za-z0-9_\-%]+", message.body)
            assert m, message.body
            u = urlsplit(html.unescape(m.group(0)))
            return f"{u.path}?{u.query}"
    raise AssertionError(f"no activation email to {to}")


def sign_up(browser: Browser, email: str = "ada@example.com",
            account_id: str = "123456789012") -> str:
    """Register through the Marketplace and sign up; returns the activation path."""
    page = text(registration_page(browser, account_id))
    reply = browser.submit(page, "/signup", signup_fields(page, email))
    assert reply.status_code == 200, text(reply)
    return activation_path(email)


def signed_up_and_in(browser: Browser, email: str = "ada@example.com",
                     account_id: str = "123456789012") -> None:
    link = sign_up(browser, email, account_id)
    assert browser.get(link).status_code == 200
    reply = browser.submit("/signin", "/signin", {"email": email, "password": PASSWORD})
    assert reply.status_code == 303, text(reply)
