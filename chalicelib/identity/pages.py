"""The people's pages: the registration page the AWS Marketplace sends the buyer to, the
sign-up form, the activation link from the email, home, sign in and sign out."""
from __future__ import annotations

from dataclasses import asdict

import logging
from urllib.parse import quote

from chalice import Blueprint

from ..web import onboarding
from ..web.csrf import clear_cookie, set_cookie
from ..web.pages import (
    FORM,
    NoPublicUrl,
    PageError,
    base_url,
    checked_form,
    form,
    message_page,
    page_view,
    redirect,
    render,
)
from . import sessions as session
from . import signup as signups
from . import users
from .mail import MailError, send_activation
from .organizations import get_organization
from .page_access import signed_in, signed_in_page

log = logging.getLogger("corral.pages")
bp = Blueprint(__name__)
TOKEN_FIELD = "x-amzn-marketplace-token"
SIGN_IN = ("/signin", "Sign in")
MAX_NAME = 100
MAX_ORG_NAME = 64


def _resolve(token: str):
    try:
        return signups.resolve(token)
    except signups.RegistrationRefused as e:
        raise PageError(e.status, e.title, e.message, SIGN_IN if e.sign_in else None) from None


@bp.route("/marketplace/register", methods=["POST"], content_types=[FORM])
@page_view(bp)
def marketplace_register():
    request = bp.current_request
    token = form(request).get(TOKEN_FIELD, "")
    customer = _resolve(token)
    registration = session.issue_registration(
        asdict(customer),
        users.token_digest(token))
    return render(request, "register.html", registration=registration,
                  account_id=customer.customer_aws_account_id, values={})


def _field(data: dict, name: str, label: str, max_len: int) -> str:
    value = " ".join((data.get(name) or "").split())
    if not value:
        raise users.SignupError(f"Enter your {label}.", name)
    if len(value) > max_len:
        raise users.SignupError(f"Your {label} can be at most {max_len} characters.", name)
    return value


@bp.route("/signup", methods=["POST"], content_types=[FORM])
@page_view(bp)
def signup():
    request = bp.current_request
    data = checked_form(request)
    try:
        customer, token_digest = session.verify_registration(data.get("registration", ""))
    except session.InvalidSession:
        raise PageError(400, "Registration expired", "This registration form expired. Open "
                        "Corral again from your subscription in the AWS Marketplace console.") \
            from None
    values = {k: data.get(k, "") for k in ("name", "email", "organization")}
    try:
        name = _field(data, "name", "name", MAX_NAME)
        email = users.check_email(data.get("email", ""))
        org_name = _field(data, "organization", "organization name", MAX_ORG_NAME)
        if data.get("terms") != "accepted":
            raise users.SignupError("Accept the terms of service to sign up.", "terms")
        user, activation = signups.register(customer, token_digest, name, email, org_name,
                                             data.get("password", ""))
    except users.SignupError as e:
        if e.status == 409 and e.field is None:
            raise PageError(409, "Subscription already registered", e.message, SIGN_IN) from None
        return render(request, "register.html", status=e.status, error=e.message,
                      registration=data.get("registration", ""), values=values,
                      account_id=customer.get("customer_aws_account_id", ""))
    sent = _send_activation(request, user, activation)
    return message_page(
        request, 200, "Check your email",
        f"An activation link was sent to your email, {user.email}. Open it to activate your "
        "account, then sign in." if sent else
        "Your account was created, but the activation email could not be sent. Sign in with "
        "your email and password to get a new activation link.", SIGN_IN)


def _send_activation(request, user: users.User, token: str) -> bool:
    """Email the activation link, built from the configured public URL only: a link built from
    the request's Host would point wherever the sender of a forged Host wants."""
    try:
        url = f"{base_url()}/activate?token={quote(token)}"
    except NoPublicUrl:
        log.error("not sending the activation email of user %s: CORRAL_PUBLIC_URL is not "
                  "configured, and the link is never built from the request's Host", user.uuid)
        return False
    try:
        send_activation(user.email, user.name, url)
    except MailError:
        return False
    return True


@bp.route("/activate", methods=["GET"])
@page_view(bp)
def activate():
    request = bp.current_request
    token = (request.query_params or {}).get("token", "")
    try:
        user = users.activate(token)
    except users.SignupError as e:
        raise PageError(e.status, "Activation failed", e.message, SIGN_IN) from None
    org = get_organization(user.organization_uuid)
    return message_page(request, 200, "Account activated",
                        f"Your account for {org.name if org else 'your organization'} is "
                        "activated. Sign in with your email and password.", SIGN_IN)


def resend_activation(request, user: users.User) -> bool:
    """A fresh link for a user who signed in before activating."""
    return _send_activation(request, user, users.new_activation(user))


# ---- home, sign in, sign out ----------------------------------------------------------------

@bp.route("/", methods=["GET"])
@signed_in_page(bp)
def home(user, org):
    return render(bp.current_request, "home.html", user=user, org=org,
                  onboarding=onboarding.steps(org.uuid))


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
    return redirect("/", [set_cookie(session.SESSION_COOKIE, token, session.SESSION_TTL_SECONDS,
                                     secure=request.headers.get("x-forwarded-proto") == "https")])


@bp.route("/signout", methods=["POST"], content_types=[FORM])
@page_view(bp)
def signout():
    checked_form(bp.current_request)
    current = signed_in(bp.current_request)
    if current:
        users.sign_out(current[0])
    return redirect("/signin", [clear_cookie(session.SESSION_COOKIE)])
