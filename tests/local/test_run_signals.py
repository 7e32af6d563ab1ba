"""`python -m local.run` (what `make run` starts) stops on SIGTERM and on SIGINT, every time,
within seconds, and leaves nothing behind: no process of its own, nothing listening on its
ports, no local.json (issue 8). Also: the settings it writes name the URL it serves on.

It starts local.run as tests/e2e/server.py does, with its helpers."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from tests.e2e.server import (
    PLATFORM_PYTHON,
    ROOT,
    _local_env,
    _tail,
    _wait_for_settings,
)

STOP_TIMEOUT = 10         # seconds from the signal to the exit
READY_TIMEOUT = 20        # from local.json to the "Press Ctrl-C to stop." line
SIGTERM_STARTS = 3        # "every time": this many starts, each stopped by SIGTERM
RUNNING = re.compile(r"^Corral is running on (\S+) \(AWS emulator at (\S+), tick every ",
                     re.MULTILINE)


class _Run:
    """One `python -m local.run` in a subprocess, its output in a log file."""

    def __init__(self, tmp_path: Path, name: str):
        self.state_dir = tmp_path / name
        self.log = tmp_path / f"{name}.log"
        self.settings = self.state_dir / "local.json"
        env = _local_env(CORRAL_PORT="0", CORRAL_STATE_DIR=str(self.state_dir),
                         CORRAL_TICK_SECONDS="1", PYTHONUNBUFFERED="1")
        for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID", "CORRAL_PUBLIC_URL"):
            env.pop(var, None)
        with self.log.open("wb") as log_file:
            self.proc = subprocess.Popen([str(PLATFORM_PYTHON), "-m", "local.run"], cwd=ROOT,
                                         env=env, stdout=log_file, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, pattern: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while pattern not in self.output():
            assert self.proc.poll() is None, f"local.run exited with {self.proc.returncode}"
            assert time.monotonic() < deadline, f"local.run printed no {pattern!r} in {timeout}s"
            time.sleep(0.1)

    def stop(self, sig: signal.Signals) -> tuple[int, float]:
        """Send `sig`; the exit code and how long it took (fails after STOP_TIMEOUT)."""
        sent = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"local.run still running {STOP_TIMEOUT}s after {sig.name}") \
                from None
        return code, time.monotonic() - sent

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc; empty elsewhere)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            found.append(int(status.parent.name))
    return found


def _http_status(url: str) -> int:
    """The status the server at `url` answers with (any: it answers), no proxy in between."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return True
    except OSError:
        return False


def _up(run: _Run) -> dict:
    """Wait until it is up; check what it wrote and printed against what it serves."""
    info = _wait_for_settings(run.proc, run.settings)
    run.wait_for_output("Press Ctrl-C to stop.", READY_TIMEOUT)
    printed = RUNNING.search(run.output())
    assert printed, "no 'Corral is running on' line"
    url, endpoint = printed.groups()
    # The URL it serves on, printed, written and (as CORRAL_PUBLIC_URL) configured: one value.
    assert re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", url), url
    assert info["api_url"] == info["auth_url"] == url, info
    assert info["signup_url"].startswith(url + "/"), info
    assert info["aws_endpoint_url"] == endpoint, info
    assert _http_status(info["api_url"] + "/") < 600
    assert _listening(endpoint)
    assert _children(run.proc.pid) == [], "local.run started processes of its own"
    return info


def _stopped_cleanly(run: _Run, info: dict, code: int) -> None:
    out = run.output()
    assert code == 0, f"exit code {code} after the signal\n{_tail(run.log)}"
    assert "\nStopping...\n" in out and out.rstrip().endswith("Stopped."), _tail(run.log)
    assert "Traceback" not in out[out.index("\nStopping...\n"):], _tail(run.log)
    assert not run.settings.exists(), "local.json left behind"
    assert not _listening(info["api_url"]), "the HTTP API still listening"
    assert not _listening(info["aws_endpoint_url"]), "the AWS emulator still listening"


def test_sigterm_stops_it_every_time(tmp_path):
    took = []
    for i in range(SIGTERM_STARTS):
        run = _Run(tmp_path, f"term-{i}")
        try:
            info = _up(run)
            code, seconds = run.stop(signal.SIGTERM)
            took.append(round(seconds, 1))
            _stopped_cleanly(run, info, code)
        except BaseException:
            print(f"---- local.run log, start {i} ----\n{_tail(run.log)}")
            raise
        finally:
            run.kill()
    print(f"stopped by SIGTERM in {took} s")


def test_sigint_stops_it(tmp_path):
    run = _Run(tmp_path, "int")
    try:
        info = _up(run)
        code, seconds = run.stop(signal.SIGINT)
        _stopped_cleanly(run, info, code)
        print(f"stopped by SIGINT in {seconds:.1f} s")
    except BaseException:
        print(f"---- local.run log ----\n{_tail(run.log)}")
        raise
    finally:
        run.kill()


def test_sigterm_during_start_up_stops_it(tmp_path):
    """A stop before it is up ends the start-up, with 128 + SIGTERM: it never came up."""
    run = _Run(tmp_path, "early")
    try:
        # Logged once main() runs (its signal handlers are installed by then), well before
        # local.json is written.
        run.wait_for_output("botocore.credentials", 60)
        code, seconds = run.stop(signal.SIGTERM)
        if "Corral is running on" in run.output():    # a very fast start-up: it was up
            assert code == 0, _tail(run.log)
        else:
            assert code == 128 + signal.SIGTERM, f"exit code {code}\n{_tail(run.log)}"
        assert run.output().rstrip().endswith("Stopped."), _tail(run.log)
        print(f"stopped during start-up by SIGTERM in {seconds:.1f} s")
    except BaseException:
        print(f"---- local.run log ----\n{_tail(run.log)}")
        raise
    finally:
        run.kill()
