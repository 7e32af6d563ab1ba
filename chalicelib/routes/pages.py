"""The signed-in pages: home, sign in and out, and Settings (linking the AWS account)."""
from __future__ import annotations

from chalice import Blueprint

from .. import linking, users
from ..web import (FORM, SIGNED_IN_FORM as FORMS, checked_form, page_view, redirect, render,
                   session, signed_in)
from .signup import resend_activation

bp = Blueprint(__name__)


@bp.route("/", methods=["GET"])
@page_view(bp, signed_in_only=True)
def home(user, org):
    return render(bp.current_request, "home.html", user=user, org=org)


@bp.route("/signin", methods=["GET"])
@page_view(bp)
def signin_page():
    return render(bp.current_request, "signin.html", email="")


@bp.route("/signin", methods=["POST"], content_types=[FORM])
@page_view(bp)
def signin():
    request = bp.current_request
    data = checked_form(request)
    email = data.get("email", "")[:254]
    try:
        user = users.authenticate(email, data.get("password", "")[:users.PASSWORD_MAX])
    except users.SignInError as e:
        if e.user is None:
            return render(request, "signin.html", status=e.status, error=e.message, email=email)
        sent = resend_activation(request, e.user)
        return render(request, "signin.html", status=403, email=email, error=(
            f"{e.message} We sent a new activation link to {e.user.email}: open it, then sign "
            "in." if sent else f"{e.message} Open the link in the activation email, then sign "
            "in."))
    token = session.issue_session(user.uuid, user.organization_uuid)
    return redirect("/", [session.set_cookie(session.SESSION_COOKIE, token,
                                              session.SESSION_TTL_SECONDS,
                                              secure=request.headers.get(
                                                  "x-forwarded-proto") == "https")])


@bp.route("/signout", methods=["POST"], content_types=[FORM])
@page_view(bp)
def signout():
    checked_form(bp.current_request)
    current = signed_in(bp.current_request)
    if current:
        users.sign_out(current[0])
    return redirect("/signin", [session.clear_cookie(session.SESSION_COOKIE)])


# ---- Settings: link the AWS account ----------------------------------------------------------

def _settings(request, user, org, status: int = 200, **extra):
    view = linking.settings_view(org.uuid)
    return render(request, "settings.html", status=status, user=user, org=org, view=view,
                  regions=linking.REGIONS, **extra)


@bp.route("/settings", methods=["GET"])
@page_view(bp, signed_in_only=True)
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
@page_view(bp, signed_in_only=True)
def settings_link(user, org):
    request = bp.current_request
    data = checked_form(request)
    account_id = data.get("accountId", "").strip()[:64]
    role_arn = data.get("roleArn", "").strip()[:2048]
    region = data.get("region", "").strip()[:32]
    return _link(request, user, org, account_id, role_arn, region,
                 "Account linked. Corral is now sharing its images with it.")


@bp.route("/settings/create-role", methods=["POST"], content_types=FORMS)
@page_view(bp, signed_in_only=True)
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

