"""The command line against the in-process platform: its HTTP goes through a requests transport
adapter into the app's chalice test client, so the CLI's own code path (requests, sign-in,
errors) is the one that runs; waiting drives the pump and the fake clock instead of sleeping."""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from cli.main import Runtime, cli

API = "http://corral.test"


class ChaliceAdapter(BaseAdapter):
    """requests -> chalice.test.Client: the in-process app answers as the server would."""

    def __init__(self, http):
        super().__init__()
        self.http = http

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        reply = self.http.request(request.method, path, headers=dict(request.headers),
                                  body=body.encode() if isinstance(body, str) else body)
        response = requests.Response()
        response.status_code = reply.status_code
        response.headers = CaseInsensitiveDict(reply.headers)
        response._content = reply.body
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self):
        pass


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class Corral:
    """`corral ...` as a user types it, signed in with the demo workspace's key."""

    def __init__(self, platform):
        self.platform = platform
        self.session = requests.Session()
        self.session.mount(API, ChaliceAdapter(platform.http))
        self.env = {"CORRAL_API_URL": API, "CORRAL_CLIENT_ID": platform.demo.ws_client_id,
                    "CORRAL_SECRET": platform.demo.ws_secret}
        self.sleeps = 0

    def _sleep(self, seconds: float) -> None:
        """Waiting: the queue's messages delivered, the clock and the tick moved on."""
        from handlers.tick import tick
        self.sleeps += 1
        self.platform.pump.drain()
        self.platform.clock.advance(15)
        tick()
        self.platform.pump.drain()

    def __call__(self, *args: str, env: dict | None = None, now=None, sleep=None) -> Ran:
        runtime = Runtime(session=self.session, sleep=sleep or self._sleep)
        if now is not None:
            runtime.now = now
        result = CliRunner().invoke(cli, list(args), obj=runtime,
                                    env={**self.env, **(env or {})}, prog_name="corral")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def dead_url():
    """A loopback port the OS chose, bound but not listening: a connection there is refused."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def corral(platform, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)      # no .corral/local.json of the project's is read
    return Corral(platform)
