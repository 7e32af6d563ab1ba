"""People who sign in to the pages of `make run`: one of the demo organization (its pages,
the Notebooks page and OPEN NOTEBOOK among them, usable at once) and one of another
organization (who sees none of the demo's). Written as a sign-up and its activation leave
them (chalicelib/identity/signup.py: the user row and the unique email row), each with a
random password that local.json gives."""
from __future__ import annotations

import secrets
from dataclasses import asdict

from chalicelib.identity import users
from chalicelib.identity.organizations import create_organization
from chalicelib.kernel import clock
from chalicelib.kernel.ids import new_uuid
from chalicelib.store import records

DEMO_EMAIL = "demo@corral.local"
OTHER_EMAIL = "someone@elsewhere.local"


def person(organization_uuid: str, email: str, name: str) -> dict:
    """An activated user of the organization: {"email", "password"}."""
    password = secrets.token_urlsafe(18)
    email = users.check_email(email)
    user = users.User(new_uuid(), email, name, organization_uuid,
                      users.hash_password(password), clock.now(), activated=True)
    records.put_new_records([(f"user#{user.uuid}", "user", "user", asdict(user)),
                             (f"email#{email}", "email", "email", {"user_uuid": user.uuid})])
    return {"email": email, "password": password}


def seed_people(demo_organization_uuid: str) -> dict:
    other = create_organization("elsewhere")
    return {"demo_user": person(demo_organization_uuid, DEMO_EMAIL, "Demo"),
            "other_user": person(other.uuid, OTHER_EMAIL, "Someone Else")}
