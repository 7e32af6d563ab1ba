"""The Settings page's "AWS Resource Cleanup" form (behind "Show Advanced"): the same command
as POST /v1/settings/cleanup, answered on the Settings page with the task it started or the
reason it was refused."""
from __future__ import annotations

from chalice import Blueprint

from ..identity.page_access import signed_in_page
from ..kernel.errors import DomainError
from ..kernel.regions import REGIONS
from ..linking import links as linking
from ..web.pages import SIGNED_IN_FORM as FORMS
from ..web.pages import checked_form, render
from . import commands

bp = Blueprint(__name__)


def _settings(request, user, org, status: int, **extra):
    return render(request, "settings.html", status=status, user=user, org=org,
                  view=linking.settings_view(org.uuid), regions=REGIONS, advanced=True, **extra)


@bp.route("/settings/cleanup", methods=["POST"], content_types=FORMS)
@signed_in_page(bp)
def settings_cleanup(user, org):
    request = bp.current_request
    region = checked_form(request).get("region", "").strip()[:32]
    if region not in REGIONS:
        return _settings(request, user, org, 400, cleanup_region=region,
                         error=f"Region {region!r} is not supported: choose one of "
                               f"{', '.join(REGIONS)}.")
    try:
        task = commands.cleanup(org.uuid, region)
    except DomainError as e:   # something still lives there, or nothing is linked
        return _settings(request, user, org, 409, error=e.message, cleanup_region=region)
    return _settings(request, user, org, 200, cleanup_region=region, cleanup_task=task,
                     notice=f"Cleanup of {region} started: task {task.uuid} "
                            f"({task.status.value}). Follow it with GET /v1/tasks/{task.uuid}.")
