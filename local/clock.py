"""The local platform's clock (`make run`): the wall clock plus an offset kept in the state
directory (`$CORRAL_STATE_DIR/clock.json`, `.corral/` by default), which a command moves
forward, never back:

    .venv/bin/python -m local.clock show
    .venv/bin/python -m local.clock advance 3600          # seconds, or 90s, 15m, 2h, 1d
    .venv/bin/python -m local.clock set 2027-01-01T05:59:00Z

`make run` installs `LocalClock` as the platform's one clock (chalicelib/kernel/clock.py): every
read looks at the file's identity (one stat), so the running platform sees a change at once,
and its pump ticks as soon as the offset moved (local/pump.py), so what came due in the jump
is found by that tick. The offset is kept across restarts (time never goes backwards); to start
over, stop `make run` and delete the file.

Only the platform's own time moves. The emulator (moto) and the local nodes keep the wall
clock: SQS delays and visibility timeouts, presigned URLs' expiry, SSM command timeouts and
the times moto stamps on what it makes (launch times, command dates) are real times."""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

FILE_NAME = "clock.json"
LOCK_NAME = ".clock.lock"
MAX_ADVANCE_SECONDS = 10 * 366 * 86400     # ten years in one step is surely a typo beyond
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


class ClockError(Exception):
    """A request the clock refuses (bad input, a move backwards, an unreadable file)."""


def state_dir_from_env() -> Path:
    return Path(os.environ.get("CORRAL_STATE_DIR", ".corral"))


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def parse_duration(text: str) -> float:
    """'3600', '90s', '15m', '2h', '1d' -> seconds (more than 0, at most ten years)."""
    found = _DURATION.match(text or "")
    if not found:
        raise ClockError(f"{text!r} is not a duration: give seconds (3600) or a number with "
                         f"s, m, h or d (90s, 15m, 2h, 1d)")
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if seconds <= 0:
        raise ClockError("the clock only moves forward: give a duration above 0")
    if seconds > MAX_ADVANCE_SECONDS:
        raise ClockError(f"{text} is more than ten years: refused as a likely mistake")
    return seconds


def parse_instant(text: str) -> float:
    """An ISO 8601 date and time with its zone ('2027-01-01T05:59:00Z', '...+01:00')."""
    try:
        when = datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(f"{text!r} is not an ISO 8601 time such as "
                         f"2027-01-01T05:59:00Z") from None
    if when.tzinfo is None:
        raise ClockError(f"{text!r} has no zone: add Z (UTC) or an offset such as +01:00")
    return when.timestamp()


class ClockFile:
    """The offset in the state directory: read by the platform, moved by the command."""

    def __init__(self, state_dir: Path | str):
        self.dir = Path(state_dir)
        self.path = self.dir / FILE_NAME

    def read(self) -> float:
        """The offset in seconds (0 while there is no file)."""
        try:
            raw = self.path.read_text()
        except FileNotFoundError:
            return 0.0
        try:
            offset = json.loads(raw)["offset_seconds"]
        except (ValueError, KeyError, TypeError):
            raise ClockError(f"{self.path} is not a clock file (delete it to start over "
                             f"from the wall clock)") from None
        if not isinstance(offset, (int, float)) or isinstance(offset, bool) \
                or not math.isfinite(offset) or offset < 0:
            raise ClockError(f"{self.path}: offset_seconds must be a number of seconds, 0 or "
                             f"more, not {offset!r}")
        return float(offset)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One mover at a time (two advances at once both count)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / LOCK_NAME, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, offset: float, wall: float) -> None:
        tmp = self.path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"offset_seconds": offset, "changed_at": iso(wall),
                                   "platform_time_then": iso(wall + offset)}, indent=2) + "\n")
        tmp.replace(self.path)      # whole or not at all: a reader never sees half a file

    def advance(self, seconds: float, wall: Callable[[], float] = time.time) -> float:
        """Move the platform's time `seconds` forward. Returns the new offset."""
        if not seconds > 0:
            raise ClockError("the clock only moves forward: give a duration above 0")
        with self._locked():
            offset = self.read() + seconds
            self._write(offset, wall())
            return offset

    def set(self, target: float, wall: Callable[[], float] = time.time) -> float:
        """Move the platform's time to `target` (epoch seconds), which must not be before the
        platform's time now. Returns the new offset."""
        with self._locked():
            now = wall()
            offset = self.read()
            if target < now + offset:
                raise ClockError(f"time never goes backwards: the platform's clock is at "
                                 f"{iso(now + offset)}, after {iso(target)}")
            offset = target - now
            self._write(offset, now)
            return offset


class LocalClock:
    """The platform's clock in `make run`: wall time plus the file's offset, never decreasing
    (not even if the file is deleted or the wall clock steps back: it then stands still until
    it catches up). Reads the file again only when it changed (its inode, size or mtime)."""

    def __init__(self, state_dir: Path | str, wall: Callable[[], float] = time.time):
        self.file = ClockFile(state_dir)
        self.wall = wall
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._offset = 0.0
        self._last = 0.0

    def offset(self) -> float:
        """The offset now in force (the file read again if it changed)."""
        try:
            st = os.stat(self.file.path)
            seen: tuple | None = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            seen = None
        with self._lock:
            if seen != self._seen:
                try:
                    self._offset = self.file.read()
                    self._seen = seen
                except ClockError:
                    pass    # a file being replaced, or broken: keep the offset in force
            return self._offset

    def __call__(self) -> float:
        offset = self.offset()
        with self._lock:
            self._last = max(self._last, self.wall() + offset)
            return self._last


def _show(file: ClockFile) -> str:
    now = time.time()
    offset = file.read()
    return (f"platform time {iso(now + offset)} (wall clock {iso(now)}, "
            f"{offset:g} s ahead; {file.path})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.clock",
        description="Show or move forward the clock of the local platform (make run). "
                    "A running platform sees the change at once and ticks.")
    parser.add_argument("--state-dir", default=None,
                        help="the platform's state directory (default: $CORRAL_STATE_DIR "
                             "or .corral)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show", help="print the platform's time and the offset")
    adv = sub.add_parser("advance", help="move the platform's time forward")
    adv.add_argument("duration", help="seconds (3600) or 90s, 15m, 2h, 1d")
    to = sub.add_parser("set", help="move the platform's time to an instant (never back)")
    to.add_argument("instant", help="ISO 8601 with a zone, e.g. 2027-01-01T05:59:00Z")
    args = parser.parse_args(argv)
    file = ClockFile(Path(args.state_dir) if args.state_dir else state_dir_from_env())
    try:
        if args.command == "advance":
            file.advance(parse_duration(args.duration))
        elif args.command == "set":
            file.set(parse_instant(args.instant))
        print(_show(file))
    except ClockError as e:
        print(f"local.clock: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
