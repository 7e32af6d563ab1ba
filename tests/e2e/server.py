"""Starting `python -m local.run` (what `make run` starts) for a test, and running a story
script against it with the official SDK's own virtualenv (bodosdk 2.3.2, pydantic v1, with
boto3 for the customer's account)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
# The platform's interpreter, as `make run` uses it (the suite's own one if .venv is elsewhere).
PLATFORM_PYTHON = ROOT / ".venv" / "bin" / "python"
if not PLATFORM_PYTHON.exists():
    PLATFORM_PYTHON = Path(sys.executable)
START_TIMEOUT = 60       # seconds for the platform to write local.json
LOG_TAIL_LINES = 80


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _local_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Loopback only: no proxy may come between the clients and the local servers.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no log: {e})"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _wait_for_settings(proc: subprocess.Popen, path: Path) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"local.run exited with {proc.returncode} before writing {path}")
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass    # written by rename, so complete; but be patient anyway
        time.sleep(0.2)
    raise AssertionError(f"local.run wrote no {path} within {START_TIMEOUT}s")


@dataclass
class LocalRun:
    info: dict             # local.json: the clients' settings, the emulator's endpoint
    settings_file: Path
    log: Path

    def story(self, script: Path, timeout: float) -> dict:
        """Run a story script with the SDK's interpreter; the JSON object it printed last."""
        try:
            done = subprocess.run([str(SDK_PYTHON), str(script), str(self.settings_file)],
                                  cwd=ROOT, env=_local_env(), capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"{script.name} did not finish within {timeout}s\n"
                                 f"stderr:\n{e.stderr}") from None
        print(f"---- {script.name} stderr ----\n{done.stderr[-6000:]}")
        assert done.returncode == 0, f"{script.name} failed ({done.returncode})"
        lines = done.stdout.strip().splitlines()
        assert lines, f"{script.name} printed nothing"
        return json.loads(lines[-1])


