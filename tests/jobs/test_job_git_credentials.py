"""A job from a private repository: a git server on loopback that wants Basic credentials
(git's "dumb" HTTP protocol over a bare repository), the token given as the SDK gives it. The
token goes to the customer's Parameter Store, is read on the head node and handed to git, and
is gone after the run; it is never in Corral's tables, queue messages, logs, SSM commands or
replies."""
from __future__ import annotations

import base64
import logging
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.kernel import logs
from chalicelib.kernel import config
from chalicelib.store import queue
from tests.jobs.test_job_runs import _logs, _repo, _submit, cluster  # noqa: F401

TOKEN = "ghp_Secr3tT0kenThatMustNeverLeak0123456789"


class _Handler(SimpleHTTPRequestHandler):
    expected = ""
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.headers.get("Authorization") != self.expected:
            self.seen.append(401)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="repo"')
            self.end_headers()
            return
        self.seen.append(200)
        self.path = self.path.split("?", 1)[0]
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def git_server(tmp_path):
    """A bare copy of tests' repository served over HTTP on loopback with Basic auth; its URL
    and the answers it gave."""
    source = _repo(tmp_path).removeprefix("file://")
    bare = tmp_path / "served" / "repo"
    subprocess.run(["git", "clone", "--quiet", "--bare", source, str(bare)], check=True)
    subprocess.run(["git", "-C", str(bare), "update-server-info"], check=True)
    handler = type("Handler", (_Handler,), {
        "expected": "Basic " + base64.b64encode(f"ada:{TOKEN}".encode()).decode(), "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 partial(handler, directory=str(bare.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/repo", handler.seen
    server.shutdown()
    server.server_close()


def _source(url: str, token: str) -> dict:
    return {"type": "GIT", "sourceDef": {"repoUrl": url, "reference": "feature",
                                         "username": "ada", "token": token}}


def _everything_corral_holds(platform) -> str:
    """Both tables of the platform, scanned whole, as text."""
    settings = config.get()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    found = []
    for table in (settings.state_table, settings.events_table):
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            found.append(repr(page["Items"]))
    return "\n".join(found)


def test_a_private_repository_is_cloned_with_a_token_that_leaks_nowhere(
        platform, cluster, git_server, monkeypatch, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    sent = []
    original = queue.send
    monkeypatch.setattr(queue, "send", lambda work, delay_seconds=0: (
        sent.append(repr(work)), original(work, delay_seconds))[1])
    url, seen = git_server
    cluster_uuid, _ = cluster
    reply = _submit(platform, cluster_uuid, _source(url, TOKEN), "job.py",
                    envVars={"GREETING": "private"})
    assert reply.status_code == 200, reply.body
    run = reply.json_body
    parameter = f"/corral/{platform.demo.organization.uuid}/jobs/{run['uuid']}/git-token"
    ssm = platform.customer("ssm")
    stored = ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]
    assert stored["Value"] == TOKEN and stored["Type"] == "SecureString"
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "SUCCEEDED", got
    assert 401 in seen and 200 in seen          # asked for credentials, then given them
    stdout = _logs(platform, run)["stdout"].splitlines()
    assert len(stdout) == 8 and all("greeting='private'" in line for line in stdout)
    with pytest.raises(ClientError, match="ParameterNotFound"):
        ssm.get_parameter(Name=parameter)
    commands = ssm.list_commands()["Commands"]
    assert commands and all(TOKEN not in repr(c["Parameters"]) for c in commands)
    # Corral's own logs, at every level (the AWS SDK's wire log at DEBUG, off in Lambda, is
    # not Corral's: it would show any request body).
    # Each record as Lambda writes it: the message with every field of its context.
    ours = "\n".join(logs.JsonFormatter().format(r) for r in caplog.records
                     if not r.name.startswith(("botocore", "boto3", "urllib3")))
    for where, text in (("tables", _everything_corral_holds(platform)),
                        ("queue messages", "\n".join(sent)), ("logs", ours),
                        ("replies", repr(got) + reply.body.decode())):
        assert TOKEN not in text, f"the token is in Corral's {where}"


def test_a_wrong_token_fails_the_fetch_and_is_deleted_too(platform, cluster, git_server):  # noqa: F811
    url, _ = git_server
    cluster_uuid, _ = cluster
    run = _submit(platform, cluster_uuid, _source(url, "wrong"), "job.py").json_body
    platform.settle()
    got = platform.request("GET", f"/v1/jobs/{run['uuid']}").json_body
    assert got["status"] == "FAILED", got
    assert got["reason"] == f"the GIT source {url} at feature could not be fetched: git clone failed"
    assert not platform.customer("ssm").get_parameters_by_path(
        Path=f"/corral/{platform.demo.organization.uuid}/jobs", Recursive=True)["Parameters"]
