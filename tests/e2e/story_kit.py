"""What several story scripts need against `make run`: the platform's clock through the
documented command, and a browser's signed-in session. Imported by the stories (run with the
SDK's interpreter from the repository root, this folder on their path)."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_PYTHON = ROOT / ".venv" / "bin" / "python"


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


class Clock:
    """The platform's clock, through the documented command (`python -m local.clock`)."""

    def __init__(self, state_dir: str):
        self.state_dir = state_dir

    def _run(self, *args: str) -> str:
        python = PLATFORM_PYTHON if PLATFORM_PYTHON.exists() else Path(sys.executable)
        done = subprocess.run([str(python), "-m", "local.clock", "--state-dir", self.state_dir,
                               *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"local.clock {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def now(self) -> float:
        shown = re.match(r"platform time (\S+) ", self._run("show")).group(1)
        return datetime.fromisoformat(shown.replace("Z", "+00:00")).timestamp()

    def set(self, t: float) -> None:
        log(self._run("set", iso(t)))

    def advance(self, seconds: int) -> float:
        log(self._run("advance", str(seconds)))
        return time.monotonic()


def until(what: str, look, wait: float, since: float | None = None):
    """Look (every half second of real time, at most `wait` seconds from `since`, by default
    now) until `look()` is truthy, and say how long it took."""
    start = since or time.monotonic()
    while True:
        found = look()
        if found:
            log(f"  {what}: {time.monotonic() - start:.1f} s")
            return found
        if time.monotonic() - start > wait:
            raise AssertionError(f"{what}: not within {wait} s")
        time.sleep(0.5)


def sign_in(api: str, person: dict) -> requests.Session:
    """A browser's session: the sign-in form (with its CSRF token), then the session cookie."""
    browser = requests.Session()
    form = browser.get(f"{api}/signin", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    reply = browser.post(f"{api}/signin", data={"email": person["email"],
                                                "password": person["password"],
                                                "csrf_token": csrf},
                         allow_redirects=False, timeout=10)
    assert reply.status_code in (302, 303), (reply.status_code, reply.text[:500])
    return browser
