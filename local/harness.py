"""The whole platform in this process on moto's in-memory AWS (no HTTP server for AWS), for the
tests and the benchmark: the same provisioning and seeding as `make run`, Chalice's test client
for HTTP, the pump for the queue and a fake clock that only moves when told to."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import boto3
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.cloud import sessions
from chalicelib.image_shares import steps as image_share_steps
from chalicelib.kernel import clock, config
from chalicelib.linking import links as linking
from chalicelib.store import queue
from chalicelib.workspaces import catalog

from . import marketplace, request_per_thread, seed, snapshot, stack
from .accounts import DEMO_CUSTOMER_ACCOUNT_ID, PLATFORM_ACCOUNT_ID, bootstrap_account
from .moto_ext import (boot_time, capacity, cloudfront_deploys, cloudfront_edge, install,
                       ssm_commands)

REGION = "us-east-1"
SETTLE_HORIZON_SECONDS = 1800
# How long a read of an SSM command waits for its local process (ssm_commands.configure): the
# fake clock runs ahead of the real processes, so a quick script must be seen finished.
COMMAND_READ_GRACE_SECONDS = 30
# A CloudFront change (a VPC origin, a distribution) deploys in this long on the fake clock, and
# the platform first looks at one this long after making it (kernel/config.py).
DEPLOY_SECONDS = 60
JWT_SECRET = "CORRAL_JWT_SECRET"


def _share_service_models() -> None:
    """Every test makes fresh boto3 sessions, and each would parse botocore's JSON service
    models again (about a second per test). The files never change: parse each once."""
    from botocore.loaders import JSONFileLoader
    if getattr(JSONFileLoader.load_file, "shared", False):
        return
    original = JSONFileLoader.load_file
    cache: dict = {}

    def load_file(self, file_path):
        if file_path not in cache:
            cache[file_path] = original(self, file_path)
        return cache[file_path]

    load_file.shared = True
    JSONFileLoader.load_file = load_file


class Platform:
    def __init__(self, start: float | None = None, boot_seconds: float = 0):
        """`boot_seconds`: how long the emulated instances take to boot, on the fake clock (see
        local/moto_ext/boot_time.py). 0, moto's way, boots them at once, and the platform is
        told so (it looks at a new fleet at once, as `make run` does); otherwise it keeps the
        schedule it has in production (kernel/config.py: boot_seconds, shutdown_seconds)."""
        # Start at the wall clock's time: moto stamps what it creates with real times.
        self.clock = clock.FakeClock(start if start is not None else float(int(time.time())))
        self.boot_seconds = boot_seconds
        self._reuse = start is None   # a platform at a given time is seeded at that time
        self._env: dict[str, str] | None = None
        self._mock = None
        self.state_dir: Path | None = None   # local nodes and /shared folders (ssm_commands)

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self) -> "Platform":
        _share_service_models()
        self._env = dict(os.environ)
        seeded = snapshot.reusable(self.boot_seconds) if self._reuse else None
        for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "MOTO_ACCOUNT_ID"):
            os.environ.pop(var, None)
        os.environ.update({"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                           "AWS_ACCESS_KEY_ID": "bootstrap", "AWS_SECRET_ACCESS_KEY": "bootstrap",
                           "CORRAL_PLATFORM_ACCOUNT_ID": PLATFORM_ACCOUNT_ID,
                           JWT_SECRET: secrets.token_urlsafe(48),
                           # Links in emails are built from this only, never from the Host.
                           "CORRAL_PUBLIC_URL": "http://127.0.0.1:8000",
                           "CORRAL_LOCAL_GIT": "1",   # jobs may clone file:// repositories
                           # The local AWS Marketplace's product (local/marketplace.py).
                           "CORRAL_MARKETPLACE_PRODUCT_CODE": marketplace.PRODUCT_CODE,
                           # Notebooks' entry points: the emulated edge serves plain http.
                           "CORRAL_ENTRY_SCHEME": "http",
                           "CORRAL_DEPLOY_SECONDS": str(DEPLOY_SECONDS),
                           # Corral launches only its own images: skip moto's 6,000 defaults.
                           "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})
        if not self.boot_seconds:
            os.environ.update({"CORRAL_BOOT_SECONDS": "0", "CORRAL_SHUTDOWN_SECONDS": "0"})
        self._mock = mock_aws()
        self._mock.start()
        install()
        boot_time.configure(self.boot_seconds, self.clock)
        cloudfront_deploys.configure(DEPLOY_SECONDS, self.clock)
        self.state_dir = Path(tempfile.mkdtemp(prefix="corral-local-"))
        ssm_commands.configure(self.state_dir, read_grace=COMMAND_READ_GRACE_SECONDS)
        if seeded:
            self._restore(seeded)
        else:
            self._provision_and_seed()

        from chalice.test import Client
        request_per_thread.install()   # the tests send requests from several threads

        from app import app

        from .pump import Pump
        self.app = app
        self.http = Client(app, stage_name="local").http
        self.pump = Pump()
        return self

    def _provision_and_seed(self) -> None:
        before = dict(os.environ)
        self.platform_creds = bootstrap_account(PLATFORM_ACCOUNT_ID, "corral-platform")
        self.customer_creds = bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "admin")
        self._use_platform_creds()
        clock.set_clock(self.clock)
        stack.provision(REGION)
        seed.publish_images(self.platform_creds)
        self.demo = seed.seed_demo(self.customer_creds, region=REGION)
        if self._reuse:
            snapshot.keep(self.boot_seconds, self.clock(), {
                k: v for k, v in os.environ.items() if before.get(k) != v or k == JWT_SECRET},
                self.platform_creds, self.customer_creds, self.demo)

    def _restore(self, seeded: "snapshot.Seeded") -> None:
        """The emulated accounts as the first platform of this process left them once seeded
        (local/snapshot.py), at this platform's clock (never before the seed's)."""
        snapshot.restore(seeded)
        os.environ.update(seeded.env)   # the seed's JWT secret, queue URL, credentials
        self.platform_creds, self.customer_creds = seeded.platform_creds, seeded.customer_creds
        self.demo = seeded.demo
        self._use_platform_creds()
        self.clock.t = max(self.clock(), seeded.clock)
        clock.set_clock(self.clock)

    def _use_platform_creds(self) -> None:
        os.environ["AWS_ACCESS_KEY_ID"] = self.platform_creds["aws_access_key_id"]
        os.environ["AWS_SECRET_ACCESS_KEY"] = self.platform_creds["aws_secret_access_key"]
        self._forget()

    def stop(self) -> None:
        clock.set_clock(None)
        boot_time.configure(0)
        cloudfront_edge.close_all()
        cloudfront_deploys.configure()
        capacity.reset()
        ssm_commands.end_processes()   # what the nodes left running (a notebook's Jupyter)
        ssm_commands.configure()
        if self.state_dir is not None:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        if self._mock is not None:
            self._mock.stop()
        if self._env is not None:
            os.environ.clear()
            os.environ.update(self._env)
        self._forget()

    @staticmethod
    def _forget() -> None:
        boto3.DEFAULT_SESSION = None  # it caches the credentials of the previous platform
        config.reset()
        sessions.forget()
        catalog.forget()
        image_share_steps.forget()
        linking.forget()
        queue.reset()
        bootstrap.wire()

    def __enter__(self) -> "Platform":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- acting as a user ---------------------------------------------------------------
    def headers(self, client_id: str | None = None, secret: str | None = None) -> dict:
        """Bearer headers for a key (the demo workspace key by default)."""
        body = {"clientId": client_id or self.demo.ws_client_id,
                "secret": secret or self.demo.ws_secret}
        reply = self.http.post("/identity/resources/auth/v2/api-token",
                               headers={"Content-Type": "application/json"}, body=json.dumps(body))
        assert reply.status_code == 200, reply.body
        return {"Authorization": f"Bearer {reply.json_body['access_token']}",
                "Content-Type": "application/json"}

    def request(self, method: str, path: str, body=None, headers: dict | None = None):
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return getattr(self.http, method.lower())(path, headers=headers or self.headers(),
                                                  body=raw or b"")

    def create_cluster(self, **fields):
        body = {"name": "c1", "instanceType": "c5.2xlarge", "workersQuantity": 2, **fields}
        reply = self.request("POST", "/v1/clusters", body)
        assert reply.status_code == 200, reply.body
        return reply.json_body

    def cluster(self, uuid: str) -> dict:
        return self.request("GET", f"/v1/clusters/{uuid}").json_body

    # ---- driving the event sources ------------------------------------------------------
    def settle(self, rounds: int = 50, step_seconds: float = 15) -> None:
        """Deliver messages, and tick with the clock moved on, until nothing is pending."""
        from chalicelib.store import aggregates
        from handlers.tick import tick
        for _ in range(rounds):
            self.pump.drain()
            # Some aggregates always have a step (an AMI share keeps watching for new images,
            # hourly): settled means nothing is due within the horizon.
            if next(aggregates.overdue(self.clock() + SETTLE_HORIZON_SECONDS), None) is None:
                return
            self.clock.advance(step_seconds)
            tick()
        raise AssertionError("the platform did not settle")

    # ---- looking into the customer's account --------------------------------------------
    def customer(self, service: str, region: str = REGION):
        return boto3.Session(**self.customer_creds).client(service, region_name=region)

    def shared_folder(self, file_system_id: str) -> Path:
        """The local folder the emulated nodes of that EFS file system see as /shared."""
        return ssm_commands.shared_folder(file_system_id)

    def customer_instances(self, cluster_uuid: str) -> list[dict]:
        reply = self.customer("ec2").describe_instances(
            Filters=[{"Name": "tag:corral:cluster", "Values": [cluster_uuid]}])
        return [i for r in reply["Reservations"] for i in r["Instances"]]
