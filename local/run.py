"""`make run`: the whole platform on this machine, no AWS account needed.

An in-process moto server (with Corral's extensions) is AWS for two accounts, the platform's
and a demo customer's; the tables and queues are created on it; a demo organization is made
and linked through the platform's own code; the HTTP API serves on 127.0.0.1:$CORRAL_PORT and
a pump delivers queue messages and the tick to the same handlers Lambda runs.

Stopping: SIGINT (Ctrl-C) and SIGTERM stop it, every time, within seconds (issue 8). Python
runs signal handlers only in the main thread, and only when that thread runs bytecode: a
signal the kernel hands to another thread left the main thread, blocked in an untimed
Event.wait(), asleep for good. So:
- every other thread starts with SIGINT and SIGTERM blocked, and the kernel delivers them to
  the main thread;
- the main thread never waits without a timeout: it sleeps in short slices, so even a signal
  it did not take itself is handled within half a second;
- the handler takes no lock (an Event.set() there can wait forever on the lock the very
  thread it interrupted holds): it records the signal, and during the start-up raises
  StopRequested to cut it short;
- each step of the shutdown is bounded (the HTTP server, the pump, the emulator's thread).
State survives a restart (local/state.py): moto's backends and the printed settings are kept under
$CORRAL_STATE_DIR/state, written every $CORRAL_SAVE_SECONDS and on a clean stop, and restored at
start instead of seeding again; CORRAL_FRESH=1 starts afresh. A state that cannot be used (another
version, corrupt) is refused: exit 2 with a message saying how to start afresh.
A stop once it is up (local.json written) exits 0: it is the documented way to end it. One that
cuts the start-up short exits 128 + the signal's number (130, 143): it never came up.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from chalice.config import Config
from chalice.local import LocalDevServer

from chalicelib.kernel import clock

from .accounts import (
    DEMO_CUSTOMER_ACCOUNT_ID,
    NEW_CUSTOMER_ACCOUNT_ID,
    PLATFORM_ACCOUNT_ID,
    bootstrap_account,
)
from . import request_per_thread, stage_path
from . import state as kept
from .clock import ClockError, ClockFile, LocalClock
from .clock import iso as clock_iso
from .emulator import Emulator

log = logging.getLogger("corral.run")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
WAIT_SLICE_SECONDS = 0.5       # the main thread's longest sleep between two looks at signals
HTTP_STOP_SECONDS = 3.0        # serve_forever notices a shutdown within 0.5 s
PUMP_STOP_SECONDS = 5.0        # a round: one 1 s long poll, the messages it got, maybe a tick
EMULATOR_STOP_SECONDS = 3.0


class StopRequested(BaseException):
    """Raised in the main thread on SIGINT or SIGTERM. A BaseException, as KeyboardInterrupt
    is, so that no `except Exception` on the way (botocore has some) swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _StopSignals:
    """The SIGINT/SIGTERM handler. It records the first signal; while `interrupting` (the
    start-up) it also raises StopRequested in the main thread, to cut the start-up short. After
    that it only records, and the main thread, in short sleeps, sees the record: no exception
    can then land in the middle of the clean-up, and none can be lost (one raised inside a
    __del__ would be printed and dropped: the record stays, and the next signal raises again)."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.interrupting = True

    def install(self) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, self)

    def __call__(self, signum: int, frame) -> None:
        if self.received is None:
            self.received = signum
        if self.interrupting:
            raise StopRequested(signum)


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Threads started inside inherit a mask with SIGINT and SIGTERM blocked (and so do the
    threads they start, such as the servers' request threads): the kernel then delivers those
    signals to the main thread. A signal arriving meanwhile waits, and is handled on leaving."""
    if not hasattr(signal, "pthread_sigmask"):    # not POSIX: the short sleeps still bound it
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _bounded(what: str, stop: Callable[[], object], seconds: float) -> None:
    """Run `stop` (which may wait on another thread without a timeout) for at most `seconds`."""
    with _signals_blocked():
        t = threading.Thread(target=stop, name=f"stop {what}", daemon=True)
        t.start()
    t.join(seconds)
    if t.is_alive():
        log.warning("%s did not stop within %gs; exiting anyway", what, seconds)


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
    os.environ.setdefault("CORRAL_LOCAL_GIT", "1")   # jobs may clone file:// repositories
    # The local AWS Marketplace's product: its events are taken.
    from .marketplace import PRODUCT_CODE
    os.environ.setdefault("CORRAL_MARKETPLACE_PRODUCT_CODE", PRODUCT_CODE)
    # The emulated instances boot and stop at once: look at them at once (on AWS the first
    # look waits for a typical boot, kernel/config.py).
    os.environ.setdefault("CORRAL_BOOT_SECONDS", "0")
    os.environ.setdefault("CORRAL_SHUTDOWN_SECONDS", "0")
    # Notebooks' entry points: the emulated CloudFront edge serves each distribution on a
    # loopback port over plain http, and its changes deploy within a second.
    os.environ.setdefault("CORRAL_ENTRY_SCHEME", "http")
    os.environ.setdefault("CORRAL_DEPLOY_SECONDS", "1")


def main() -> int:
    logging.basicConfig(level=logging.INFO)
    from chalicelib.kernel import logs
    logs.configure(readable=True)   # Lambda writes JSON records; here, lines with their fields
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = int(os.environ.get("CORRAL_PORT", "8000"))
    tick_seconds = float(os.environ.get("CORRAL_TICK_SECONDS", "60"))
    state_dir = Path(os.environ.get("CORRAL_STATE_DIR", ".corral"))
    target = state_dir / "local.json"
    # The local nodes' working directories and each file system's /shared live there too.
    os.environ.setdefault("CORRAL_LOCAL_STATE", str(state_dir))
    save_seconds = float(os.environ.get("CORRAL_SAVE_SECONDS", "10"))
    if os.environ.get("CORRAL_FRESH") == "1":
        # What the old state's instances left: their nodes' folders and file systems too.
        for name in ("state", "nodes", "efs"):
            shutil.rmtree(state_dir / name, ignore_errors=True)
    restored = None
    if kept.exists(state_dir):
        try:
            restored = kept.read(state_dir)
        except kept.StateError as e:
            print(f"local.run: {e}", file=sys.stderr)
            return 2
        os.environ.setdefault("CORRAL_JWT_SECRET", restored[1]["jwt_secret"])
    # The platform's clock: the wall clock plus the offset `python -m local.clock` moves.
    try:
        ClockFile(state_dir).read()
    except ClockError as e:
        print(f"local.run: {e}", file=sys.stderr)
        return 2
    platform_clock = LocalClock(state_dir)
    clock.set_clock(platform_clock)

    signals = _StopSignals()
    signals.install()
    # Corral launches only its own images: skip loading moto's thousands of default AMIs.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    emulator = Emulator()
    stop = threading.Event()
    server = None
    threads: list[threading.Thread] = []
    up = False       # local.json written: from then on a stop is the normal end (exit 0)
    try:
        with _signals_blocked():
            endpoint = emulator.start()
            if restored is not None:
                kept.restore(restored[0])
        platform_creds = bootstrap_account(PLATFORM_ACCOUNT_ID, "corral-platform")
        customer_creds = bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "admin")
        # A second customer account, not linked to anything: a new customer signs up with it
        # and pastes its access keys into "Create role for me".
        new_customer_creds = bootstrap_account(NEW_CUSTOMER_ACCOUNT_ID, "admin")
        _configure_environment(endpoint, platform_creds)

        # Imported only now: the platform reads its settings from the environment set above.
        from chalicelib import bootstrap
        from chalicelib.kernel import config

        from . import people, seed, stack
        from .pump import Pump
        config.reset()
        bootstrap.wire()

        from app import app

        from .marketplace import register_local_routes
        signup_path = register_local_routes(app)   # plays the AWS Marketplace's redirect
        # Bound (not yet serving) before anything else reads the settings: with CORRAL_PORT=0
        # the port, and so the public URL links are built from, is known only now.
        request_per_thread.install()   # the local server handles requests in threads
        # CORRAL_STAGE_PATH=/api serves it under API Gateway's stage path (local/stage_path.py)
        stage = "/" + os.environ.get("CORRAL_STAGE_PATH", "").strip("/")
        stage = "" if stage == "/" else stage
        server = LocalDevServer(app, Config.create(chalice_stage="local", app_name="corral"),
                                "127.0.0.1", port, **({"handler_cls": stage_path.handler_for(stage)}
                                                      if stage else {}))
        port = server.server.server_address[1]
        url = f"http://127.0.0.1:{port}{stage}"
        os.environ["CORRAL_PUBLIC_URL"] = url
        config.reset()

        stack.provision()
        if restored is None:
            seed.publish_images(platform_creds)
            demo = seed.seed_demo(customer_creds)
            persons = people.seed_people(demo.organization.uuid)   # who signs in to the pages

        pump = Pump()
        threads = [threading.Thread(target=server.server.serve_forever, name="http",
                                    daemon=True),
                   threading.Thread(target=pump.run_forever,
                                    args=(stop, tick_seconds, platform_clock.offset),
                                    name="pump", daemon=True)]
        with _signals_blocked():
            for t in threads:
                t.start()

        if restored is not None:     # the same keys and people, the new ports
            info = {**restored[1]["info"], "api_url": url, "auth_url": url,
                    "signup_url": f"{url}{signup_path}", "aws_endpoint_url": endpoint}
        else:
            info = {
                "api_url": url, "auth_url": url, "signup_url": f"{url}{signup_path}",
                "org_client_id": demo.org_client_id, "org_secret_key": demo.org_secret,
                "client_id": demo.ws_client_id, "secret_key": demo.ws_secret,
                "workspace_uuid": demo.workspace.uuid, "organization_uuid": demo.organization.uuid,
                "external_id": demo.organization.external_id,
                "role_arn": demo.organization.role_arn,
                "customer_account_id": demo.customer_account_id, "aws_endpoint_url": endpoint,
                # The demo customer account's (fake, emulator-only) keys: to look into that account.
                "customer_aws_access_key_id": customer_creds["aws_access_key_id"],
                "customer_aws_secret_access_key": customer_creds["aws_secret_access_key"],
                "new_customer_account_id": NEW_CUSTOMER_ACCOUNT_ID,
                "new_customer_aws_access_key_id": new_customer_creds["aws_access_key_id"],
                "new_customer_aws_secret_access_key": new_customer_creds["aws_secret_access_key"],
                **persons,   # demo_user (of the demo organization), other_user (of another)
            }
        # From here a signal is only recorded (the loop below sees it): local.json is written
        # whole, and then removed on the way out.
        signals.interrupting = False
        if signals.received is not None:     # a stop whose exception something swallowed
            raise StopRequested(signals.received)
        state_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2) + "\n")
        os.chmod(tmp, 0o600)
        tmp.replace(target)
        up = True
        settings = {"jwt_secret": os.environ["CORRAL_JWT_SECRET"], "info": info}
        where = kept.save(state_dir, settings)
        last_save = time.monotonic()
        print(f"\nCorral is running on {url} (AWS emulator at {endpoint}, "
              f"tick every {tick_seconds:g}s)")
        print(f"Platform clock: {clock_iso(platform_clock())} ({platform_clock.offset():g} s "
              f"ahead of the wall clock); move it forward with `.venv/bin/python -m "
              f"local.clock advance 3600` (or `set <ISO time>`, `show`)")
        print(f"Client settings written to {target}:")
        print(json.dumps(info, indent=2))
        print(f"Sign up as a new AWS Marketplace customer (account {NEW_CUSTOMER_ACCOUNT_ID}): "
              f"open {url}{signup_path}\n  its access keys for 'Create role for me' are "
              f"new_customer_aws_* in {target}")
        print(f"State {'restored from' if restored is not None else 'kept in'} {where} "
              f"(saved every {save_seconds:g}s and on stop); to start afresh: "
              f"`CORRAL_FRESH=1 make run` (or delete {where})")
        print("Press Ctrl-C to stop.", flush=True)

        while signals.received is None:    # never an untimed wait: see the module's docstring
            time.sleep(WAIT_SLICE_SECONDS)
            if time.monotonic() - last_save >= save_seconds:
                last_save = time.monotonic()
                try:
                    kept.save(state_dir, settings)
                except Exception:     # kept going: the next save may succeed
                    log.exception("the local state could not be saved")
    except StopRequested:
        pass
    except BaseException:
        signals.interrupting = False
        _shutdown(emulator, server, threads, stop)
        raise
    signals.interrupting = False
    print("\nStopping...", flush=True)

    def save() -> None:
        """The HTTP server and the pump have stopped: nothing changes the platform now. Before
        the emulator ends the nodes' processes: a command still running is kept as lost."""
        try:
            print(f"State saved in {kept.save(state_dir, settings)}", flush=True)
        except Exception:
            log.exception("the local state could not be saved on stop")

    _shutdown(emulator, server, threads, stop, save if up else None)
    if up:
        target.unlink(missing_ok=True)
    print("Stopped.", flush=True)
    return 0 if up else 128 + (signals.received or 0)


def _shutdown(emulator: Emulator, server, threads: list[threading.Thread],
              stop: threading.Event, before_emulator: Callable[[], None] | None = None) -> None:
    """Each step bounded; the threads left are daemons, gone with the process.
    `before_emulator` runs once nothing but the nodes' processes can change the backends."""
    stop.set()                                    # the pump ends after its current round
    started = [t for t in threads if t.ident is not None]
    if server is not None:
        if any(t.name == "http" for t in started):
            _bounded("the HTTP server", server.shutdown, HTTP_STOP_SECONDS)
        server.server.server_close()              # the listening socket
    for t in started:
        if t.name == "pump":
            t.join(PUMP_STOP_SECONDS)
            if t.is_alive():
                log.warning("the pump did not stop within %gs; exiting anyway",
                            PUMP_STOP_SECONDS)
    if before_emulator is not None:
        before_emulator()
    _bounded("the AWS emulator", emulator.stop, EMULATOR_STOP_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
