"""GET /v1/usage?from=<date>&to=<date>&groupBy=cluster|instanceType|day: instance-minutes and
dollars, for the caller's organization (or its workspace, with a workspace key). `from` and
`to` are days (YYYY-MM-DD, UTC), both included; by default this month so far."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from chalice import Blueprint

from ..api.http import invalid, json_view, query
from ..identity.caller import caller
from ..kernel import clock
from . import queries

bp = Blueprint(__name__)
MAX_DAYS = 366


def _day(params: dict, name: str, default: date) -> date:
    values = params.get(name)
    if not values:
        return default
    try:
        return date.fromisoformat(values[-1])
    except ValueError:
        raise invalid(name, "must be a date, YYYY-MM-DD") from None


def period(params: dict, now: float) -> tuple[date, date]:
    today = datetime.fromtimestamp(now, tz=timezone.utc).date()
    start = _day(params, "from", today.replace(day=1))
    end = _day(params, "to", today)
    if end < start:
        raise invalid("to", "must not be before from")
    if (end - start).days >= MAX_DAYS:
        raise invalid("to", f"a period is at most {MAX_DAYS} days")
    return start, end


def _epoch(d: date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()


def report(organization_uuid: str, workspace_uuid: str | None, start: date, end: date,
           group_by: str, now: float) -> dict:
    found = queries.lines(organization_uuid, _epoch(start), _epoch(end + timedelta(days=1)),
                          now, workspace_uuid)
    data = []
    for u in queries.grouped(found, group_by):
        item = {group_by: u.key, "instanceMinutes": u.minutes, "dollars": u.dollars}
        if group_by == "cluster":
            item.update(name=u.name, kind=u.kind)
        data.append(item)
    return {"from": start.isoformat(), "to": end.isoformat(), "groupBy": group_by,
            "data": data}


@bp.route("/v1/usage", methods=["GET"])
@json_view
def get_usage():
    c = caller(bp.current_request)
    params = query(bp.current_request)
    group_by = (params.get("groupBy") or ["cluster"])[-1]
    if group_by not in queries.GROUPS:
        raise invalid("groupBy", f"must be one of {', '.join(queries.GROUPS)}")
    now = clock.now()
    start, end = period(params, now)
    return report(c.organization_uuid, c.workspace_uuid, start, end, group_by, now)
