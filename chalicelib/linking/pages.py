"""The Settings page: the organization's link to its AWS account (External ID, manual link,
"create role for me", the AMI share status per region)."""
from __future__ import annotations

from chalice import Blueprint

from ..identity.page_access import signed_in_page
from ..kernel.regions import REGIONS
from ..web.pages import SIGNED_IN_FORM as FORMS
from ..web import sections
from ..web.pages import checked_form, render
from . import links as linking

bp = Blueprint(__name__)


# ---- Settings: link the AWS account ----------------------------------------------------------

def _settings(request, user, org, status: int = 200, **extra):
    view = linking.settings_view(org.uuid)
    return render(request, "settings.html", status=status, user=user, org=org, view=view,
                  regions=REGIONS, sections=sections.sections("/settings", org.uuid, user),
                  **extra)


@bp.route("/settings", methods=["GET"])
@signed_in_page(bp)
def settings_page(user, org):
    return _settings(bp.current_request, user, org)


def _link(request, user, org, account_id: str, role_arn: str, region: str, done: str):
    try:
        linking.link_manually(org, account_id, role_arn, region)
    except linking.LinkError as e:
        return _settings(request, user, org, status=409 if e.conflict else 400,
                         error=e.message, values={"accountId": account_id,
                                                  "roleArn": role_arn, "region": region})
    return _settings(request, user, org, notice=done)


@bp.route("/settings/link", methods=["POST"], content_types=FORMS)
@signed_in_page(bp)
def settings_link(user, org):
    request = bp.current_request
    data = checked_form(request)
    account_id = data.get("accountId", "").strip()[:64]
    role_arn = data.get("roleArn", "").strip()[:2048]
    region = data.get("region", "").strip()[:32]
    return _link(request, user, org, account_id, role_arn, region,
                 "Account linked. Corral is now sharing its images with it.")


@bp.route("/settings/create-role", methods=["POST"], content_types=FORMS)
@signed_in_page(bp)
def settings_create_role(user, org):
    request = bp.current_request
    data = checked_form(request)
    region = data.get("region", "").strip()[:32]
    try:
        linking.check_region(region)
        role_arn = linking.create_role_for_me(org, data.get("accessKeyId", "").strip()[:128],
                                              data.get("secretAccessKey", "").strip()[:128])
    except linking.LinkError as e:
        # The keys are never echoed back into the page.
        return _settings(request, user, org, status=409 if e.conflict else 400,
                         error=e.message)
    account_id = linking.ROLE_ARN.match(role_arn).group(1)
    return _link(request, user, org, account_id, role_arn, region,
                 f"Role {role_arn} created and linked. Corral is now sharing its images with "
                 "the account.")

