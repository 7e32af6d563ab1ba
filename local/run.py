"""`make run`: the whole platform on this machine, no AWS account needed.

An in-process moto server (with Corral's extensions) is AWS for two accounts, the platform's
and a demo customer's; the tables and queues are created on it; a demo organization is made
and linked through the platform's own code; the HTTP API serves on 127.0.0.1:$CORRAL_PORT and
a pump delivers queue messages and the tick to the same handlers Lambda runs.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from chalice.config import Config
from chalice.local import create_local_server

from .accounts import (
    DEMO_CUSTOMER_ACCOUNT_ID,
    NEW_CUSTOMER_ACCOUNT_ID,
    PLATFORM_ACCOUNT_ID,
    bootstrap_account,
)
from .emulator import Emulator

log = logging.getLogger("corral.run")


def _configure_environment(endpoint: str, platform_creds: dict) -> None:
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(var, None)
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": platform_creds["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": platform_creds["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "CORRAL_PLATFORM_ACCOUNT_ID": PLATFORM_ACCOUNT_ID,
    })
    os.environ.setdefault("CORRAL_JWT_SECRET", secrets.token_urlsafe(48))
    os.environ.setdefault("CORRAL_MAIL_ECHO", "1")   # print activation links (sign-up)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = int(os.environ.get("CORRAL_PORT", "8000"))
    tick_seconds = float(os.environ.get("CORRAL_TICK_SECONDS", "60"))
    state_dir = Path(os.environ.get("CORRAL_STATE_DIR", ".corral"))

    # Corral launches only its own images: skip loading moto's thousands of default AMIs.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    emulator = Emulator()
    endpoint = emulator.start()
    platform_creds = bootstrap_account(PLATFORM_ACCOUNT_ID, "corral-platform")
    customer_creds = bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "admin")
    # A second customer account, not linked to anything: a new customer signs up with it and
    # pastes its access keys into "Create role for me".
    new_customer_creds = bootstrap_account(NEW_CUSTOMER_ACCOUNT_ID, "admin")
    _configure_environment(endpoint, platform_creds)

    # Imported only now: the platform reads its settings from the environment set above.
    from chalicelib import bootstrap
    from chalicelib.kernel import config

    from . import seed, stack
    from .pump import Pump
    config.reset()
    bootstrap.wire()
    stack.provision()
    seed.publish_images(platform_creds)
    demo = seed.seed_demo(customer_creds)

    from app import app

    from .marketplace import register_local_routes
    signup_path = register_local_routes(app)   # plays the AWS Marketplace's redirect
    server = create_local_server(app, Config.create(chalice_stage="local", app_name="corral"),
                                 "127.0.0.1", port)
    port = server.server.server_address[1]
    url = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    pump = Pump()
    threads = [threading.Thread(target=server.server.serve_forever, name="http", daemon=True),
               threading.Thread(target=pump.run_forever, args=(stop, tick_seconds), name="pump",
                                daemon=True)]
    for t in threads:
        t.start()

    info = {
        "api_url": url, "auth_url": url, "signup_url": f"{url}{signup_path}",
        "org_client_id": demo.org_client_id, "org_secret_key": demo.org_secret,
        "client_id": demo.ws_client_id, "secret_key": demo.ws_secret,
        "workspace_uuid": demo.workspace.uuid, "organization_uuid": demo.organization.uuid,
        "external_id": demo.organization.external_id, "role_arn": demo.organization.role_arn,
        "customer_account_id": demo.customer_account_id, "aws_endpoint_url": endpoint,
        # The demo customer account's (fake, emulator-only) keys: to look into that account.
        "customer_aws_access_key_id": customer_creds["aws_access_key_id"],
        "customer_aws_secret_access_key": customer_creds["aws_secret_access_key"],
        "new_customer_account_id": NEW_CUSTOMER_ACCOUNT_ID,
        "new_customer_aws_access_key_id": new_customer_creds["aws_access_key_id"],
        "new_customer_aws_secret_access_key": new_customer_creds["aws_secret_access_key"],
    }
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_dir / "local.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(target)
    print(f"\nCorral is running on {url} (AWS emulator at {endpoint}, tick every {tick_seconds:g}s)")
    print(f"Client settings written to {target}:")
    print(json.dumps(info, indent=2))
    print(f"Sign up as a new AWS Marketplace customer (account {NEW_CUSTOMER_ACCOUNT_ID}): open "
          f"{url}{signup_path}\n  its access keys for 'Create role for me' are new_customer_aws_* "
          f"in {target}")
    print("Press Ctrl-C to stop.", flush=True)

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    print("\nStopping...", flush=True)
    stop.set()
    server.shutdown()
    threads[1].join(timeout=5)
    emulator.stop()
    target.unlink(missing_ok=True)
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
