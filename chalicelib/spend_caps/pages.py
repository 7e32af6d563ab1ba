"""The Settings page's spend cap form (its section: commands.settings_section and
templates/spend_caps_section.html): an organization admin sets or removes a workspace's
monthly cap. CSRF-checked; post/redirect/get back to the section."""
from __future__ import annotations

from chalice import Blueprint

from ..identity import users
from ..identity.page_access import signed_in_page
from ..kernel.errors import DomainError
from ..web.pages import SIGNED_IN_FORM, PageError, checked_form, redirect
from ..workspaces import commands as workspaces
from . import commands
from .rule import check_hours

bp = Blueprint(__name__)
BACK = ("/settings#spend-caps", "Back to Settings")


def _hours(text: str) -> float:
    """The form's text as a cap (thousands separators allowed), or the page saying why not."""
    try:
        number = float(text.strip().replace(",", ""))
    except ValueError:
        reason = "must be a number of instance-hours, like 100 or 12.5"
    else:
        try:
            return check_hours(number)
        except ValueError as e:
            reason = str(e)
    raise PageError(400, "Spend cap not saved", f"Instance-hours: {reason}. "
                    f"{text[:20]!r} was given.", BACK)


@bp.route("/settings/spend-caps", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def settings_spend_cap(user, org):
    data = checked_form(bp.current_request)
    if user.role != users.ADMIN:
        raise PageError(403, "Spend cap not saved", "Only an organization admin can set a "
                        "workspace's spend cap.", BACK)
    ws = workspaces.get(org.uuid, data.get("workspace", "")[:64])
    if ws is None:
        raise PageError(404, "No such workspace", "That workspace is not one of your "
                        "organization's.", BACK)
    action = data.get("action", "set")
    if action == "remove":
        commands.remove_cap(ws)
    elif action == "set":
        try:
            commands.set_cap(ws, _hours(data.get("instanceHours", "")), f"user {user.email}")
        except DomainError as e:
            raise PageError(409, "Spend cap not saved", e.message, BACK) from None
    else:
        raise PageError(400, "Spend cap not saved", f"Unknown action {action[:20]!r}.", BACK)
    return redirect(f"/settings#spend-cap-{ws.uuid}")
