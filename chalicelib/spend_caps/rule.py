"""The spend cap rule, pure: where a workspace stands against its monthly cap.

A cap is a number of instance-hours per calendar month (UTC) for one workspace. The month's
use is the workspace's instance-minutes from the 1st at 00:00 UTC until now, counted by the
metering rule (usage/minutes.py: what was, or will be, reported, clusters still running and
notebook nodes included). On the 1st of the next month the use starts again from zero.

    use < 80% of the cap           OK
    80% <= use < the cap           WARNING   (a banner on the organization's pages)
    use >= the cap                 EXCEEDED  (new work refused, running clusters paused)

In dollars: the use's dollars are the month's actual platform fees (each minute at its
instance type's rate). The cap's dollar equivalent is the cap at the workspace's average rate
this month (its dollars over its instance-hours: its own instance mix); before any use this
month, at the rate table's `default` rate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

WARNING_SHARE = 0.8
MAX_INSTANCE_HOURS = 1_000_000     # 1,300 instances all month: far above any real need
THIS_MONTH, DEFAULT_RATE = "THIS_MONTH", "DEFAULT_RATE"


class Level(str, Enum):
    NONE = "NONE"            # no cap
    OK = "OK"
    WARNING = "WARNING"
    EXCEEDED = "EXCEEDED"


@dataclass(frozen=True)
class Cap:
    organization_uuid: str
    workspace_uuid: str
    workspace_name: str
    instance_hours: float
    set_by: str
    set_at: float

    @property
    def minutes(self) -> float:
        # 0.1 h is 6 minutes, not 6.000000000000001
        return round(self.instance_hours * 60, 6)


def check_hours(value: object) -> float:
    """A cap as given (a JSON number, or a form's text read as one): positive, finite, at most
    MAX_INSTANCE_HOURS. ValueError says what is wrong."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number of instance-hours, or null to remove the cap")
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be a number of instance-hours above 0")
    if value > MAX_INSTANCE_HOURS:
        raise ValueError(f"must be at most {hours_text(MAX_INSTANCE_HOURS)} instance-hours")
    if value * 60 < 1:
        raise ValueError("must be at least one instance-minute (1/60 instance-hour)")
    return float(value)


def hours_text(hours: float) -> str:
    """10 -> "10", 2.5 -> "2.5", 1000000 -> "1,000,000"."""
    return f"{hours:,.2f}".rstrip("0").rstrip(".")


def month_of(now: float) -> tuple[float, float, str]:
    """(start, end, "YYYY-MM") of the UTC calendar month holding `now`."""
    t = datetime.fromtimestamp(now, tz=timezone.utc)
    start = datetime(t.year, t.month, 1, tzinfo=timezone.utc)
    end = datetime(t.year + t.month // 12, t.month % 12 + 1, 1, tzinfo=timezone.utc)
    return start.timestamp(), end.timestamp(), start.strftime("%Y-%m")


def reached(cap: Cap) -> str:
    """Why, as a pause's reason and a refusal's start."""
    return (f"the workspace's monthly spend cap of {hours_text(cap.instance_hours)} "
            f"instance-hours is reached")


@dataclass(frozen=True)
class Standing:
    """A workspace this month: its cap (None: none), its use, and their dollars."""
    workspace_uuid: str
    workspace_name: str
    month: str
    cap: Cap | None
    minutes: int              # instance-minutes used this month so far
    dollars: float            # their platform fees
    default_hourly: float     # the rate table's default rate (USD per instance-hour)

    @property
    def used_hours(self) -> float:
        return self.minutes / 60

    @property
    def share(self) -> float | None:
        return self.minutes / self.cap.minutes if self.cap else None

    @property
    def level(self) -> Level:
        if self.cap is None:
            return Level.NONE
        if self.minutes >= self.cap.minutes:
            return Level.EXCEEDED
        if self.minutes >= WARNING_SHARE * self.cap.minutes:
            return Level.WARNING
        return Level.OK

    @property
    def rate_basis(self) -> str:
        return THIS_MONTH if self.minutes else DEFAULT_RATE

    @property
    def hourly(self) -> float:
        """USD per instance-hour: this month's average, else the default rate."""
        return self.dollars / self.used_hours if self.minutes else self.default_hourly

    @property
    def cap_dollars(self) -> float | None:
        return round(self.cap.instance_hours * self.hourly, 2) if self.cap else None

    @property
    def percent(self) -> float | None:
        return round(100 * self.share, 1) if self.cap else None

    def message(self) -> str:
        """What a person reads, in every level."""
        used = hours_text(self.used_hours)
        if self.cap is None:
            return f"No spend cap: {used} instance-hours used in {self.month}."
        cap = hours_text(self.cap.instance_hours)
        if self.level == Level.EXCEEDED:
            return (f"Workspace {self.workspace_name} reached its monthly spend cap of {cap} "
                    f"instance-hours ({used} used in {self.month}): new clusters, notebooks "
                    f"and job runs are refused, its running clusters are paused and its "
                    f"notebooks removed, and paused clusters cannot be resumed. An "
                    f"organization admin can raise or remove the cap in Settings; the use "
                    f"starts again on the 1st of next month (UTC).")
        if self.level == Level.WARNING:
            return (f"Workspace {self.workspace_name} has used {self.percent:g}% of its monthly "
                    f"spend cap of {cap} instance-hours ({used} used in {self.month}). At the "
                    f"cap, its running clusters are paused and new work is refused.")
        return (f"Workspace {self.workspace_name} has used {self.percent:g}% of its monthly "
                f"spend cap of {cap} instance-hours ({used} used in {self.month}).")

    def refusal(self) -> str | None:
        """Why new work is refused in the workspace (None: it is not)."""
        if self.level != Level.EXCEEDED:
            return None
        assert self.cap is not None
        return (f"{reached(self.cap)} ({hours_text(self.used_hours)} instance-hours used in "
                f"{self.month}). An organization admin can raise or remove the cap (Settings, "
                f"or PUT /v1/workspaces/{self.workspace_uuid}/spend-cap); the use starts again "
                f"on the 1st of next month (UTC).")
