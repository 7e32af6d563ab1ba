"""This month's usage, as the Settings page shows it (a section: web/sections.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from ..kernel import clock
from . import queries

TEMPLATE = "usage_section.html"


def settings_section(organization_uuid: str, user) -> dict:
    now = clock.now()
    today = datetime.fromtimestamp(now, tz=timezone.utc)
    start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    found = queries.lines(organization_uuid, start.timestamp(), now + 3600, now)
    by_type = queries.grouped(found, "instanceType")
    return {"start": start.date().isoformat(), "by_cluster": queries.grouped(found, "cluster"),
            "by_type": by_type, "total_minutes": sum(u.minutes for u in by_type),
            "total_dollars": round(sum(u.dollars for u in by_type), 2)}
