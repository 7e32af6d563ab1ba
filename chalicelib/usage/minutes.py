"""Instance-minutes per hour from service periods: the one rule, pure.

The manual charges "to the nearest minute". A period's minutes are its length rounded to the
nearest minute (half a minute rounds up). Split into hours, an hour gets the difference of the
period's rounded running total at the hour's two ends, so the hours of a period always add up
to its rounded length, and a closed hour's figure never changes once the hour has ended
(it depends only on the period's start and the hour's bounds). Each period is rounded on its
own; an hour's minutes are the sum over the resource's periods, times each period's nodes.

Example: running from 10:07:30 to 12:41:10 is 153 min 40 s, 154 minutes: 53 in hour 10 (52.5
rounds up), 60 in hour 11, 41 in hour 12.
"""
from __future__ import annotations

from typing import Iterable

from ..kernel.service import Period

HOUR = 3600


def hour_of(t: float) -> float:
    return float(int(t // HOUR) * HOUR)


def _rounded(seconds: float) -> int:
    return int((seconds + 30) // 60) if seconds > 0 else 0


def by_hour(periods: Iterable[Period], since: float, until: float) -> dict[tuple[float, str], int]:
    """{(hour start, instance type): instance-minutes} for the hours from `since` (an hour's
    start) up to `until`: a period still open is counted up to `until`. An hour that ends
    after `until` is counted only as far as `until` (a provisional figure); one that ended by
    then is final."""
    out: dict[tuple[float, str], int] = {}
    for p in periods:
        end = min(p.end if p.end is not None else until, until)
        if end <= p.start or end <= since:
            continue
        hour = max(hour_of(p.start), since)
        while hour < end:
            low, high = max(hour, p.start), min(hour + HOUR, end)
            minutes = _rounded(high - p.start) - _rounded(low - p.start)
            if minutes:
                key = (hour, p.instance_type)
                out[key] = out.get(key, 0) + minutes * p.nodes
            hour += HOUR
    return out


def total(periods: Iterable[Period], until: float) -> int:
    """Instance-minutes of every period up to `until`."""
    return sum(by_hour(periods, 0.0, until).values())
