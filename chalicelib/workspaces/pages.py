"""The workspace form of the Clusters page: a cluster lives in a workspace (a region of the
linked account), so a person with none makes one here first, then lands on its clusters."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import ApiError
from ..identity.caller import Caller
from ..identity.page_access import signed_in_page
from ..kernel.errors import DomainError
from ..web.pages import SIGNED_IN_FORM, PageError, checked_form, redirect
from . import commands, shapes

bp = Blueprint(__name__)


@bp.route("/workspaces/create", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def create_workspace(user, org):
    data = checked_form(bp.current_request)
    body = {"name": data.get("name", "").strip(), "region": data.get("region", ""),
            "cloudConfig": {"uuid": org.cloud_config_uuid or ""}}
    try:
        spec = shapes.parse_create(Caller("", org.uuid, None, user.uuid), org, body)
        ws = commands.create(org.uuid, spec)
    except ApiError as e:
        raise PageError(e.status, "Workspace not created", e.message,
                        ("/clusters", "Back to Clusters")) from None
    except DomainError as e:
        raise PageError(409, "Workspace not created", str(e),
                        ("/clusters", "Back to Clusters")) from None
    return redirect(f"/clusters?workspace={ws.uuid}")
