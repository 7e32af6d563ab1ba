"""Sign-up through the AWS Marketplace: the registration page the Marketplace sends the buyer
to, the sign-up form, and the activation link from the email."""
from __future__ import annotations

import logging
from urllib.parse import quote

from chalice import Blueprint

from .. import users
from ..cloud.errors import CloudError
from ..cloud.marketplace import Customer, TokenRejected, resolve_customer
from ..identity import get_organization
from ..mail import MailError, send_activation
from ..web import FORM, PageError, base_url, checked_form, form, message_page, page_view, render
from ..web import session

bp = Blueprint(__name__)
log = logging.getLogger("corral.signup")
TOKEN_FIELD = "x-amzn-marketplace-token"
SIGN_IN = ("/signin", "Sign in")
MAX_NAME = 100
MAX_ORG_NAME = 64


def _resolve(token: str) -> Customer:
    if not token or len(token) > 4096:
        raise PageError(400, "No registration token", "This page needs the registration token "
                        "the AWS Marketplace sends. Open Corral from your subscription in the AWS "
                        "Marketplace console (Set up your account).")
    if users.token_spent(token):
        raise PageError(409, "Registration link already used", "This registration link was "
                        "already used to create an account. Sign in with that account.", SIGN_IN)
    try:
        customer = resolve_customer(token)
    except TokenRejected as e:
        if e.expired:
            raise PageError(400, "Registration link expired", "This registration link has "
                            "expired. Go back to your subscription in the AWS Marketplace "
                            "console and choose Set up your account again.") from None
        raise PageError(400, "Registration link not valid", "The AWS Marketplace did not "
                        "recognise this registration link. Open Corral again from your "
                        "subscription in the AWS Marketplace console.") from None
    except CloudError as e:
        log.warning("ResolveCustomer failed: %s", e.reason)
        raise PageError(503, "AWS Marketplace unavailable", "Corral could not reach the AWS "
                        "Marketplace to check your subscription. Try again in a few minutes.") \
            from None
    if users.customer_registration(customer.customer_identifier):
        raise PageError(409, "Subscription already registered", "This AWS Marketplace "
                        "subscription already has a Corral account. Sign in with it.", SIGN_IN)
    return customer


@bp.route("/marketplace/register", methods=["POST"], content_types=[FORM])
@page_view(bp)
def marketplace_register():
    request = bp.current_request
    token = form(request).get(TOKEN_FIELD, "")
    customer = _resolve(token)
    registration = session.issue_registration(
        {"customer_identifier": customer.customer_identifier,
         "product_code": customer.product_code,
         "customer_aws_account_id": customer.customer_aws_account_id},
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
        user, activation = users.register(Customer(**customer), token_digest, name, email,
                                          org_name, data.get("password", ""))
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
    url = f"{base_url(request)}/activate?token={quote(token)}"
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
    """A fresh link for a user who signed in before activating (pages.py uses it)."""
    return _send_activation(request, user, users.new_activation(user))
