"""Sign-up through the AWS Marketplace: the registration token the buyer's browser posts is
resolved into the customer (ResolveCustomer), once, for a subscription not registered yet; the
sign-up then makes the organization and its admin.

Rows in the state table: the customer's registration (customers.py: mpcustomer#, mpaccount#);
(mptoken#<sha256 of registration token>, mptoken), a spent token. A sign-up writes the user,
email, customer, token and activation rows in one transaction: either the organization gets
its admin, or nothing of the sign-up is left but an organization nobody can reach. Then the
concepts that follow customers are told (customers.registered: the subscription starts)."""
from __future__ import annotations

import logging
import secrets
from dataclasses import asdict

from ..cloud.marketplace import Customer, TokenRejected, resolve_customer
from ..kernel import clock
from ..kernel.errors import CloudError
from ..kernel.ids import new_uuid
from ..store import records
from . import customers, users
from .organizations import create_organization

log = logging.getLogger("corral.signup")
MAX_TOKEN_LENGTH = 4096
ALREADY_REGISTERED = ("This AWS Marketplace subscription is already registered. Sign in with "
                      "the account that registered it.")
EMAIL_TAKEN = ("An account with this email already exists. Sign in instead, or use another "
               "email.")


class RegistrationRefused(Exception):
    """The registration cannot go on: a page with `status`, `title` and `message`;
    `sign_in` when the person should sign in instead."""

    def __init__(self, status: int, title: str, message: str, sign_in: bool = False):
        super().__init__(message)
        self.status, self.title, self.message, self.sign_in = status, title, message, sign_in


def resolve(token: str) -> Customer:
    """The Marketplace customer behind a registration token. Raises RegistrationRefused."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise RegistrationRefused(400, "No registration token", "This page needs the "
                                  "registration token the AWS Marketplace sends. Open Corral "
                                  "from your subscription in the AWS Marketplace console (Set up "
                                  "your account).")
    if token_spent(token):
        raise RegistrationRefused(409, "Registration link already used", "This registration "
                                  "link was already used to create an account. Sign in with "
                                  "that account.", sign_in=True)
    try:
        customer = resolve_customer(token)
    except TokenRejected as e:
        if e.expired:
            raise RegistrationRefused(400, "Registration link expired", "This registration "
                                      "link has expired. Go back to your subscription in the AWS "
                                      "Marketplace console and choose Set up your account "
                                      "again.") from None
        raise RegistrationRefused(400, "Registration link not valid", "The AWS Marketplace did "
                                  "not recognise this registration link. Open Corral again from "
                                  "your subscription in the AWS Marketplace console.") from None
    except CloudError as e:
        log.warning("ResolveCustomer failed: %s", e.reason)
        raise RegistrationRefused(503, "AWS Marketplace unavailable", "Corral could not reach "
                                  "the AWS Marketplace to check your subscription. Try again in "
                                  "a few minutes.") from None
    if customer_registration(customer.customer_identifier):
        raise RegistrationRefused(409, "Subscription already registered", "This AWS "
                                  "Marketplace subscription already has a Corral account. Sign "
                                  "in with it.", sign_in=True)
    return customer


def customer_registration(customer_identifier: str) -> dict | None:
    return customers.by_identifier(customer_identifier)


def token_spent(registration_token: str) -> bool:
    digest = users.token_digest(registration_token)
    return records.get_record(f"mptoken#{digest}", "mptoken") is not None


def register(customer: Customer | dict, registration_token_digest: str, name: str, email: str,
             organization_name: str, password: str) -> tuple[users.User, str]:
    """Create the organization and its admin user for a Marketplace customer (the registration
    token is known here only by its SHA-256, `token_digest`). Returns the user
    (not activated) and the activation token to email. Raises users.SignupError."""
    if isinstance(customer, dict):   # as the registration form carried it
        customer = Customer(**customer)
    email = users.check_email(email)
    users.check_password(password, email)
    if customer_registration(customer.customer_identifier):
        raise users.SignupError(ALREADY_REGISTERED, status=409)
    if users.find_by_email(email):
        raise users.SignupError(EMAIL_TAKEN, "email", status=409)
    org = create_organization(organization_name)
    now = clock.now()
    user = users.User(new_uuid(), email, name, org.uuid, users.hash_password(password), now)
    token = secrets.token_urlsafe(32)
    registration = customers.rows(customer, org.uuid, user.uuid, now)
    rows = [
        (f"user#{user.uuid}", "user", "user", asdict(user)),
        (f"email#{email}", "email", "email", {"user_uuid": user.uuid}),
        *registration,
        (f"mptoken#{registration_token_digest}", "mptoken", "mptoken",
         {"customer_identifier": customer.customer_identifier, "at": now}),
        users.activation_row(user.uuid, token, now),
    ]
    try:
        records.put_new_records(rows)
    except records.Exists:
        if users.find_by_email(email):
            raise users.SignupError(EMAIL_TAKEN, "email", status=409) from None
        raise users.SignupError(ALREADY_REGISTERED, status=409) from None
    log.info("user %s signed up for organization %s", user.uuid, org.uuid)
    customers.registered(registration[0][3])
    return user, token
