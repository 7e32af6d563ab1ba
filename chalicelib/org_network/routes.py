"""Region cleanup (the manual's "AWS Account Cleanup"): POST /v1/settings/cleanup {"region"}
by an organization-level caller (a signed-in user or an organization API key). 400 for a
region the platform does not work in, 409 naming what still lives in the region, else 202 with
the task (its reply body) that removes the organization's resources there (GET /v1/tasks/{uuid} follows it)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..api.http import body, invalid, json_view
from ..api.shapes import render_task
from ..api.validate import string
from ..identity.caller import caller_organization as organization
from ..kernel.regions import REGIONS
from . import commands

bp = Blueprint(__name__)


def parse_region(value: str | None) -> str:
    """The region asked for, or a 400 naming the supported ones."""
    if value not in REGIONS:
        raise invalid("region", f"{value!r} is not supported: use one of {', '.join(REGIONS)}")
    return value


@bp.route("/v1/settings/cleanup", methods=["POST"])
@json_view
def cleanup():
    org = organization(bp.current_request)
    region = parse_region(string(body(bp.current_request), "region", required=True, max_len=32))
    task = commands.cleanup(org.uuid, region)   # DomainError (in use, not linked): 409
    return Response(body=render_task(task), status_code=202, headers={"Content-Type": "application/json"})
