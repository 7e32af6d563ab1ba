"""A cron job's schedule: 5-field cron expressions (and @hourly, @daily, ...) read by croniter,
in an IANA time zone (zoneinfo; "Etc/GMT", the SDK's default, included). Pure: times in and
out are epoch seconds.

Clock changes (DST): times are wall-clock times in the zone, as a crontab's are.
- When clocks go forward, a time inside the skipped hour (02:30 on that night) runs at the
  first instant after it (03:00), once; what croniter does.
- When clocks go back, a wall-clock time in the repeated hour runs once, at its first
  occurrence: a daily `30 1 * * *` runs once that night, not twice. Schedules whose hour
  field is `*` follow the real hours through the change (an hourly job still runs every
  hour), as cron itself does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterError

NICKNAMES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
MAX_EXPRESSION = 120
# A schedule must come within this many years (`0 0 30 2 *`, February 30th, never does).
HORIZON_YEARS = 5


class BadSchedule(ValueError):
    """The expression or the zone cannot be used; the message says why."""


@dataclass(frozen=True)
class Schedule:
    expression: str
    timezone: str

    def zone(self) -> ZoneInfo:
        return zone(self.timezone)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise BadSchedule(f"{name!r} is not an IANA time zone name (such as Europe/Paris, "
                          f"America/New_York or Etc/GMT)") from None


def check_expression(expression: str) -> str:
    """The expression, trimmed, if it is 5 cron fields or a nickname; else BadSchedule."""
    text = " ".join(expression.split())
    if not text or len(text) > MAX_EXPRESSION:
        raise BadSchedule(f"must be a cron expression of 5 fields (minute hour day-of-month "
                          f"month day-of-week), at most {MAX_EXPRESSION} characters")
    if text.startswith("@"):
        if text.lower() not in NICKNAMES:
            raise BadSchedule(f"{text!r}: the nicknames are {', '.join(NICKNAMES)}")
        return text.lower()
    if len(text.split(" ")) != 5:
        raise BadSchedule("must have 5 fields: minute hour day-of-month month day-of-week "
                          "(no seconds, no year)")
    if not croniter.is_valid(text):
        raise BadSchedule(f"{text!r} is not a valid cron expression")
    return text


def _fixed_hours(expression: str) -> bool:
    """Whether the expression names its hours (so a repeated wall-clock hour must not run it
    twice); `*` in the hour field, or a nickname of an hour or less, follows real hours."""
    if expression == "@hourly":
        return False
    try:
        return croniter(expression).expanded[1] != ["*"]
    except CroniterError:   # pragma: no cover - checked before
        return True


def _iterate(s: Schedule, after: float) -> Iterator[float]:
    """Scheduled times strictly after `after`, in order (the DST rules above)."""
    tz = s.zone()
    fixed = _fixed_hours(s.expression)
    it = croniter(s.expression, datetime.fromtimestamp(after, tz))
    while True:
        t = it.get_next(datetime)
        if fixed and t.fold == 1 and t.replace(fold=0).utcoffset() != t.utcoffset():
            continue   # the repeated hour: this wall-clock time already came at fold 0
        yield t.timestamp()


def next_after(s: Schedule, after: float) -> float:
    """The first scheduled time strictly after `after`. BadSchedule if none comes within
    HORIZON_YEARS."""
    try:
        t = next(_iterate(s, after))
    except (CroniterError, StopIteration) as e:
        raise BadSchedule(f"{s.expression!r} never comes: {e}") from None
    if t - after > HORIZON_YEARS * 366 * 86400:
        raise BadSchedule(f"{s.expression!r} does not come within {HORIZON_YEARS} years")
    return t


def between(s: Schedule, first: float, until: float, limit: int) -> list[float]:
    """Scheduled times t with first <= t <= until (`first` itself a scheduled time or not),
    at most `limit` of them, the earliest."""
    found: list[float] = []
    if until < first:
        return found
    for t in _iterate(s, first - 1):
        if t > until or len(found) >= limit:
            break
        if t >= first:
            found.append(t)
    return found


def latest_at_or_before(s: Schedule, until: float, earliest: float) -> float | None:
    """The latest scheduled time t with earliest <= t <= until, or None."""
    tz = s.zone()
    fixed = _fixed_hours(s.expression)
    it = croniter(s.expression, datetime.fromtimestamp(until + 1, tz))
    while True:
        t = it.get_prev(datetime)
        if t.timestamp() < earliest:
            return None
        if t.timestamp() > until:
            continue
        if fixed and t.fold == 1 and t.replace(fold=0).utcoffset() != t.utcoffset():
            continue
        return t.timestamp()


def local_date(timestamp: float | None, timezone: str) -> str | None:
    """YYYY-MM-DD of the time in the zone (the SDK reads lastRunDate/nextRunDate as dates)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, zone(timezone)).date().isoformat()


def local_time(timestamp: float | None, timezone: str) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, zone(timezone)).isoformat(timespec="seconds")
