"""`make run` keeps its state across a restart (local/state.py): a RUNNING cluster made with
the demo's workspace key is there after SIGINT and a start on the same state folder, with its
task, the organization and the same keys; a job that was running ends FAILED; a READY
notebook's Jupyter answers again behind the same entry point; a state it cannot use is refused, saying how to
start afresh; a node's process lost with the platform comes back ended, never InProgress."""
from __future__ import annotations

import io
import json
import pickle
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local import state
from local.moto_ext.ssm_commands import Invocation
from tests.e2e.server import PLATFORM_PYTHON, ROOT, _local_env, _tail, _wait_for_settings

STOP_TIMEOUT = 20
RUNNING_TIMEOUT = 30
NOTEBOOK_TIMEOUT = 60


class _Run:
    def __init__(self, state_dir: Path, log: Path, **extra: str):
        env = _local_env(CORRAL_PORT="0", CORRAL_STATE_DIR=str(state_dir),
                         CORRAL_TICK_SECONDS="1", PYTHONUNBUFFERED="1", **extra)
        for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID", "CORRAL_PUBLIC_URL",
                    "CORRAL_LOCAL_STATE", "CORRAL_JWT_SECRET", "CORRAL_FRESH"):
            env.pop(var, None)
        env.update(extra)
        self.log = log
        self.settings = state_dir / "local.json"
        with log.open("wb") as f:
            self.proc = subprocess.Popen([str(PLATFORM_PYTHON), "-m", "local.run"], cwd=ROOT,
                                         env=env, stdout=f, stderr=subprocess.STDOUT)

    def up(self) -> dict:
        """local.json, once it is written and the start-up's lines printed."""
        try:
            info = _wait_for_settings(self.proc, self.settings)
            deadline = time.monotonic() + STOP_TIMEOUT
            while "Press Ctrl-C to stop." not in self.output():
                assert self.proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
            # Read again: a crashed run leaves its local.json behind until this one's is written.
            return json.loads(self.settings.read_text()) or info
        except AssertionError:
            print(_tail(self.log))
            raise

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=STOP_TIMEOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _call(info: dict, method: str, path: str, body=None, token: str | None = None):
    req = urllib.request.Request(
        info["api_url"] + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def _token(info: dict, client_id: str, secret: str) -> str:
    status, got = _call(info, "POST", "/identity/resources/auth/v2/api-token",
                        {"clientId": client_id, "secret": secret})
    assert status == 200, got
    return got["access_token"]


def _jupyter(url: str):
    """Jupyter's own answer to an API call without its token (403, from Tornado), or what
    the edge answered instead (a CloudFront error: 502, 504)."""
    try:
        with urllib.request.urlopen(url + "api/status", timeout=10) as r:
            return r.status, r.headers.get("Server")
    except urllib.error.HTTPError as e:
        return e.code if e.headers.get("Server", "").startswith("Tornado") else \
            (e.code, e.headers.get("Server"))
    except OSError as e:
        return repr(e)


def _until(info: dict, path: str, token: str, done, timeout: float = RUNNING_TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, got = _call(info, "GET", path, token=token)
        assert status == 200, got
        if done(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def test_a_restart_keeps_the_organization_keys_and_a_running_cluster(tmp_path):
    state_dir = tmp_path / "corral"
    first = _Run(state_dir, tmp_path / "first.log")
    try:
        info = first.up()
        token = _token(info, info["client_id"], info["secret_key"])
        status, created = _call(info, "POST", "/v1/clusters", {
            "name": "kept", "instanceType": "c5n.9xlarge", "workersQuantity": 1,
            "autoStop": 0, "autoPause": 0}, token)
        assert status in (200, 202), created
        uuid = created["uuid"]
        cluster = _until(info, f"/v1/clusters/{uuid}", token,
                         lambda c: c["status"] == "RUNNING")
        assert cluster["status"] == "RUNNING", cluster
        status, notebook = _call(info, "POST", "/v1/notebooks", {
            "name": "kept", "instanceType": "c5.large", "clusterUUID": uuid}, token)
        assert status in (200, 202), notebook
        notebook = _until(info, f"/v1/notebooks/{notebook['uuid']}", token,
                          lambda n: n["status"] in ("READY", "FAILED"), timeout=NOTEBOOK_TIMEOUT)
        assert notebook["status"] == "READY", notebook
        assert _jupyter(notebook["url"]) == 403     # Jupyter itself, through the edge: no token
        # A job still running when the platform stops: its process does not survive.
        shared = next((state_dir / "efs").iterdir()) / "sleepy"
        shared.mkdir()
        (shared / "sleep.py").write_text("import time\ntime.sleep(600)\n")
        status, run = _call(info, "POST", "/v1/jobs", {
            "clusterUUID": uuid, "name": "sleepy", "jobConfig": {
                "type": "PYTHON", "source": {"type": "WORKSPACE", "path": "/shared/sleepy"},
                "sourceLocation": "sleep.py"}}, token)
        assert status in (200, 202), run
        run = _until(info, f"/v1/jobs/{run['uuid']}", token, lambda r: r["status"] != "PENDING")
        assert run["status"] == "RUNNING", run
        assert first.stop() == 0
    finally:
        first.kill()
    out = first.output()
    assert f"State kept in {state_dir / 'state'}" in out
    assert "CORRAL_FRESH=1 make run" in out
    assert f"State saved in {state_dir / 'state'}" in out
    assert not (state_dir / "local.json").exists()

    second = _Run(state_dir, tmp_path / "second.log")
    try:
        again = second.up()
        assert f"State restored from {state_dir / 'state'}" in second.output()
        # The same keys and people; new ports.
        for key in ("client_id", "secret_key", "org_client_id", "org_secret_key",
                    "workspace_uuid", "organization_uuid", "demo_user",
                    "customer_aws_access_key_id"):
            assert again[key] == info[key], key
        # A token issued before the restart is still good (the JWT secret is kept) ...
        status, kept = _call(again, "GET", f"/v1/clusters/{uuid}", token=token)
        assert status == 200, kept
        assert kept["status"] == "RUNNING" and kept["uuid"] == uuid
        assert kept["nodeMetadata"] == cluster["nodeMetadata"]
        # ... and so is a new one from the same client id and secret.
        fresh = _token(again, info["client_id"], info["secret_key"])
        status, task = _call(again, "GET", f"/v1/tasks/{kept['taskUUID']}", token=fresh)
        assert status == 200 and task["uuid"] == kept["taskUUID"], task
        org = _token(again, info["org_client_id"], info["org_secret_key"])
        status, ws = _call(again, "GET", f"/v1/workspaces/{info['workspace_uuid']}", token=org)
        assert status == 200 and ws["organizationUUID"] == info["organization_uuid"], ws
        assert ws["status"] == "READY"
        # The emulated accounts are there too: the cluster's instance, with the same keys.
        import boto3
        ec2 = boto3.client("ec2", region_name="us-east-1",
                           endpoint_url=again["aws_endpoint_url"],
                           aws_access_key_id=again["customer_aws_access_key_id"],
                           aws_secret_access_key=again["customer_aws_secret_access_key"])
        ids = {i["InstanceId"] for r in ec2.describe_instances(Filters=[
            {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
               for i in r["Instances"]}
        assert {n["instanceId"] for n in kept["nodeMetadata"]} <= ids
        # The job's process was lost: the run ends FAILED by the usual path, not RUNNING forever.
        ended = _until(again, f"/v1/jobs/{run['uuid']}", fresh,
                       lambda r: r["status"] != "RUNNING")
        assert ended["status"] == "FAILED", ended
        assert "did not run the command to its end: SSM says Terminated" in ended["reason"]
        # The notebook's Jupyter is started again on its node, behind the same entry point.
        status, nb = _call(again, "GET", f"/v1/notebooks/{notebook['uuid']}", token=fresh)
        assert nb["status"] == "READY" and nb["url"] == notebook["url"], nb
        deadline = time.monotonic() + RUNNING_TIMEOUT
        while (answer := _jupyter(nb["url"])) != 403 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert answer == 403, f"{nb['url']}: {answer}"
        assert second.stop() == 0
    finally:
        second.kill()


def test_a_crash_loses_at_most_the_last_interval(tmp_path):
    """Written every CORRAL_SAVE_SECONDS while up: after a SIGKILL (no clean stop) the next
    start finds what was made more than an interval before."""
    state_dir = tmp_path / "corral"
    first = _Run(state_dir, tmp_path / "first.log", CORRAL_SAVE_SECONDS="1")
    try:
        info = first.up()
        token = _token(info, info["client_id"], info["secret_key"])
        status, created = _call(info, "POST", "/v1/clusters", {
            "name": "crash", "instanceType": "c5.2xlarge", "workersQuantity": 1}, token)
        assert status in (200, 202), created
        time.sleep(3)
        first.proc.kill()
        first.proc.wait(timeout=10)
    finally:
        first.kill()
    assert "State saved in" not in first.output()        # no clean stop
    assert not list((state_dir / "state").glob("*.tmp"))

    second = _Run(state_dir, tmp_path / "second.log")
    try:
        again = second.up()
        status, kept = _call(again, "GET", f"/v1/clusters/{created['uuid']}",
                             token=_token(again, info["client_id"], info["secret_key"]))
        assert status == 200 and kept["name"] == "crash", kept
        assert second.stop() == 0
    finally:
        second.kill()


def _refused(tmp_path: Path, name: str) -> str:
    run = _Run(tmp_path / "corral", tmp_path / f"{name}.log")
    try:
        code = run.proc.wait(timeout=STOP_TIMEOUT)
    finally:
        run.kill()
    out = run.output()
    assert code == 2, out
    assert "CORRAL_FRESH=1 make run" in out and str(tmp_path / "corral" / "state") in out, out
    assert "Corral is running" not in out
    return out


def _write_state(tmp_path: Path, head: dict, payload: bytes) -> Path:
    folder = tmp_path / "corral" / "state"
    folder.mkdir(parents=True)
    (folder / state.BACKENDS).write_bytes(state.MAGIC + json.dumps(head).encode() + b"\n"
                                          + payload)
    (folder / state.SETTINGS).write_text(json.dumps({"jwt_secret": "s", "info": {}}))
    return folder


def test_a_corrupt_or_foreign_state_is_refused_and_fresh_starts_anew(tmp_path):
    folder = _write_state(tmp_path, state.header(), pickle.dumps([])[:-3] + b"garbage")
    assert "backends.pickle is corrupt" in _refused(tmp_path, "corrupt")
    assert (folder / state.BACKENDS).exists()           # refused, not deleted

    (folder / state.BACKENDS).write_bytes(
        state.MAGIC + json.dumps({**state.header(), "moto": "0.0.1"}).encode() + b"\n")
    assert "written by another version" in _refused(tmp_path, "foreign")

    fresh = _Run(tmp_path / "corral", tmp_path / "fresh.log", CORRAL_FRESH="1")
    try:
        fresh.up()
        assert fresh.stop() == 0
    finally:
        fresh.kill()
    assert f"State kept in {folder}" in fresh.output()
    state.read(tmp_path / "corral")       # a good state now


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / state.SETTINGS).unlink(), "settings.json is missing"),
    (lambda f: (f / state.SETTINGS).write_text("{"), "settings.json is unreadable"),
    (lambda f: (f / state.SETTINGS).write_text("{}"), "lacks the JWT secret"),
    (lambda f: (f / state.BACKENDS).write_bytes(b"\x80\x05junk"), "not a Corral state file"),
    (lambda f: (f / state.BACKENDS).write_bytes(state.MAGIC + b"{nope\n"), "corrupt header"),
])
def test_read_refuses_what_it_cannot_use(tmp_path, damage, message):
    folder = _write_state(tmp_path, state.header(), pickle.dumps([]))
    assert state.read(tmp_path / "corral") == ([], {"jwt_secret": "s", "info": {}})
    damage(folder)
    with pytest.raises(state.StateError) as e:
        state.read(tmp_path / "corral")
    assert message in str(e.value) and "CORRAL_FRESH=1 make run" in str(e.value)


def _round_trip(obj):
    buf = io.BytesIO()
    state._Pickler(buf).dump(obj)
    return pickle.loads(buf.getvalue())


def test_a_node_process_lost_with_the_platform_comes_back_terminated(tmp_path):
    out, err = tmp_path / "out", tmp_path / "err"
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    done = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    done.wait()
    try:
        lost = _round_trip(Invocation("i-1", running, out, err, 3600))
        ended = _round_trip(Invocation("i-2", done, out, err, 3600))
    finally:
        running.kill()
        running.wait()
    assert lost.status() == "Terminated" and lost.response_code() == -1
    assert lost.end_date is not None and lost.process.poll() == state.LOST_EXIT_STATUS
    assert ended.status() == "Failed" and ended.response_code() == 3
