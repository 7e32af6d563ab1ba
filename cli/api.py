"""The platform's HTTP API as the command line sees it: sign in with an API key, then JSON
requests with a bearer token. Every failure becomes a CliError carrying the exit code a script
can rely on (see EXIT_CODES)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import click
import requests

OK, REFUSED, USAGE, UNREACHABLE, FAILED, GAVE_UP = 0, 1, 2, 3, 4, 5
EXIT_CODES = {
    OK: "done",
    REFUSED: "the API refused the request or did not find what was named (its message shown)",
    USAGE: "usage error: a bad option or argument, nothing was sent",
    UNREACHABLE: "cannot reach the platform, or cannot sign in (missing or bad credentials)",
    FAILED: "waited for something that ended FAILED (or CANCELLED, TIMEOUT for a job)",
    GAVE_UP: "waited longer than --timeout: the operation goes on without the command",
}
TIMEOUT_SECONDS = 15
DEFAULT_LOCAL = Path(".corral") / "local.json"


class CliError(click.ClickException):
    """A failure shown as `Error: <message>` on stderr, ending the command with `code`."""

    def __init__(self, message: str, code: int, status: int | None = None):
        super().__init__(message)
        self.exit_code = self.code = code
        self.status = status      # the API's HTTP status, when it answered


@dataclass(frozen=True)
class Credentials:
    api_url: str
    auth_url: str
    client_id: str
    secret: str
    source: str       # where they came from, for error messages


def _local(path: Path) -> Credentials:
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError:
        raise CliError(f"{path} does not exist: start the platform with `make run`, "
                       f"or give --api-url, --client-id and --secret", UNREACHABLE)
    except (OSError, ValueError) as e:
        raise CliError(f"{path} cannot be read as JSON: {e}", UNREACHABLE)
    if not isinstance(info, dict):
        raise CliError(f"{path} is not a JSON object", UNREACHABLE)
    missing = [k for k in ("api_url", "client_id", "secret_key")
               if not isinstance(info.get(k), str) or not info.get(k)]
    if missing:
        raise CliError(f"{path} lacks {', '.join(missing)}", UNREACHABLE)
    return Credentials(info["api_url"], info.get("auth_url") or info["api_url"],
                       info["client_id"], info["secret_key"], str(path))


def resolve(api_url: str | None, client_id: str | None, secret: str | None,
            local: str | None, env=os.environ) -> Credentials:
    """Options first, then CORRAL_* variables; `--local [path]` reads make run's local.json,
    which is also the default when nothing else is given and .corral/local.json exists."""
    if local is not None:
        if api_url or client_id or secret:
            raise CliError("--local cannot be combined with --api-url, --client-id or --secret",
                           USAGE)
        return _local(Path(local))
    api_url = api_url or env.get("CORRAL_API_URL")
    client_id = client_id or env.get("CORRAL_CLIENT_ID")
    secret = secret or env.get("CORRAL_SECRET")
    if not (api_url or client_id or secret) and DEFAULT_LOCAL.exists():
        return _local(DEFAULT_LOCAL)
    missing = [name for name, value in (("--api-url (or CORRAL_API_URL)", api_url),
                                        ("--client-id (or CORRAL_CLIENT_ID)", client_id),
                                        ("--secret (or CORRAL_SECRET)", secret)) if not value]
    if missing:
        raise CliError(f"missing {', '.join(missing)}; or use --local [path] with make run's "
                       f"local.json", UNREACHABLE)
    if not api_url.startswith(("http://", "https://")):
        raise CliError(f"--api-url must start with http:// or https://, not {api_url!r}", USAGE)
    return Credentials(api_url, api_url, client_id, secret, "options")


def _message(reply: requests.Response) -> str:
    try:
        body = reply.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    text = reply.text.strip()
    return text[:300] if text else reply.reason or "no message"


class Api:
    def __init__(self, creds: Credentials, session: requests.Session | None = None):
        self.creds = creds
        self.session = session or requests.Session()
        self._token: str | None = None

    def _send(self, method: str, url: str, **kw) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=TIMEOUT_SECONDS, **kw)
        except requests.RequestException as e:
            raise CliError(f"cannot reach the platform at {self.creds.api_url}: "
                           f"{type(e).__name__}", UNREACHABLE)

    def sign_in(self) -> str:
        if self._token is None:
            reply = self._send("POST", self.creds.auth_url.rstrip("/")
                               + "/identity/resources/auth/v2/api-token",
                               json={"clientId": self.creds.client_id,
                                     "secret": self.creds.secret})
            if reply.status_code != 200:
                raise CliError(f"cannot sign in with the key from {self.creds.source}: "
                               f"{_message(reply)} (HTTP {reply.status_code})", UNREACHABLE)
            try:
                self._token = reply.json()["access_token"]
            except (ValueError, KeyError, TypeError):
                raise CliError(f"{self.creds.auth_url} answered the sign-in without a token: "
                               f"is it a Corral platform?", UNREACHABLE)
        return self._token

    def call(self, method: str, path: str, body: dict | None = None,
             params: dict | None = None):
        headers = {"Authorization": f"Bearer {self.sign_in()}"}
        reply = self._send(method, self.creds.api_url.rstrip("/") + path, headers=headers,
                           json=body, params=params)
        if reply.status_code in (401, 403):
            raise CliError(f"{method} {path}: not allowed: {_message(reply)} "
                           f"(HTTP {reply.status_code})", UNREACHABLE)
        if reply.status_code >= 400:
            raise CliError(f"{_message(reply)} (HTTP {reply.status_code})", REFUSED,
                           reply.status_code)
        try:
            return reply.json()
        except ValueError:
            raise CliError(f"{method} {path} answered {reply.status_code} without JSON",
                           REFUSED)

    def fetch_from(self, url: str, start: int) -> bytes:
        """The bytes of a presigned URL from `start` on (no auth); b"" where there is nothing
        (yet): an object not written, or no byte past `start` (416)."""
        reply = self._send("GET", url, headers={"Range": f"bytes={start}-"} if start else {})
        if reply.status_code == 206:
            return reply.content
        if reply.status_code == 200:       # a server that ignores Range sends it all
            return reply.content[start:]
        return b""

    def fetch_text(self, url: str) -> str:
        """A presigned URL (a job's log): no auth; a log not written yet reads as empty."""
        reply = self._send("GET", url)
        return reply.text if reply.status_code == 200 else ""
