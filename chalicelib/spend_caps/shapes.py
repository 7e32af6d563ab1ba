"""The spend cap on the wire, in the SDK's conventions (camelCase, errors naming the field):
`{"instanceHours": N}` to set it, `null` to remove it; the reply is where the workspace
stands this month."""
from __future__ import annotations

from ..api.http import invalid
from ..kernel.times import iso
from .rule import WARNING_SHARE, Standing, check_hours

FIELD = "instanceHours"


def parse_cap(body: dict) -> float | None:
    """The cap asked for (None: remove it). Unknown keys are ignored, as the SDK's junk is."""
    if FIELD not in body:
        raise invalid(FIELD, "is required: a number of instance-hours per month, or null to "
                             "remove the cap")
    value = body[FIELD]
    if value is None:
        return None
    try:
        return check_hours(value)
    except ValueError as e:
        raise invalid(FIELD, str(e)) from None


def render(s: Standing) -> dict:
    cap = s.cap
    return {"workspaceUUID": s.workspace_uuid, "workspaceName": s.workspace_name,
            "month": s.month,
            "instanceHours": cap.instance_hours if cap else None,
            "usedInstanceMinutes": s.minutes,
            "usedInstanceHours": round(s.used_hours, 2),
            "dollars": s.dollars,
            "capDollars": s.cap_dollars,
            "dollarsPerInstanceHour": round(s.hourly, 4),
            "rateBasis": s.rate_basis,
            "percent": s.percent,
            "state": s.level.value,
            "warningAtPercent": round(100 * WARNING_SHARE),
            "message": s.message(),
            "setBy": cap.set_by if cap else None,
            "setAt": iso(cap.set_at) if cap else None}
