"""AWS Marketplace customers and the organizations they registered (public surface of
identity for the concepts that follow a customer: subscriptions).

Rows in the state table, written with the sign-up in its one transaction:
- (mpcustomer#<CustomerIdentifier>, mpcustomer): the organization the customer registered,
  with what ResolveCustomer said (customer identifier, product code, AWS account id);
- (mpaccount#<AWS account id>, mpaccount): the same, found by the buyer's AWS account id,
  which EventBridge's agreement and license events name instead of the CustomerIdentifier;
- (orgcustomer#<organization>, orgcustomer): the same, found by the organization: whom its
  usage reports name to AWS.

A concept that follows a customer registers a hook at wiring time; `registered` calls it once
the registration rows are written (a hook that fails is logged, never fails the sign-up: what
it would have done is done again when the customer's next notice comes)."""
from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Callable

from ..cloud.marketplace import Customer
from ..kernel import clock
from ..store import records

log = logging.getLogger("corral.customers")
Hook = Callable[[dict], None]   # the mpcustomer row's body
_hooks: dict[str, Hook] = {}


def rows(customer: Customer, org_uuid: str, user_uuid: str | None,
         now: float) -> list[tuple[str, str, str, dict]]:
    """The rows (pk, sk, kind, body) recording that the customer registered the organization,
    for the caller's transaction (each must be new)."""
    body = {"organization_uuid": org_uuid, "user_uuid": user_uuid, **asdict(customer),
            "registered_at": now}
    found = [(f"mpcustomer#{customer.customer_identifier}", "mpcustomer", "mpcustomer", body)]
    if customer.customer_aws_account_id:
        found.append((f"mpaccount#{customer.customer_aws_account_id}", "mpaccount",
                      "mpaccount", body))
    found.append((f"orgcustomer#{org_uuid}", "orgcustomer", "orgcustomer", body))
    return found


def customer_of(organization_uuid: str) -> Customer | None:
    """The Marketplace customer an organization registered as (None: not through Marketplace)."""
    row = records.get_record(f"orgcustomer#{organization_uuid}", "orgcustomer")
    if row is None:
        return None
    return Customer(row["customer_identifier"], row["product_code"],
                    row["customer_aws_account_id"], row.get("license_arn", ""))


def by_identifier(customer_identifier: str) -> dict | None:
    """The registration of a CustomerIdentifier (None: no organization registered it)."""
    if not customer_identifier:
        return None
    return records.get_record(f"mpcustomer#{customer_identifier}", "mpcustomer")


def by_account(account_id: str) -> dict | None:
    """The registration of the customer whose AWS account this is (None: none registered)."""
    if not account_id:
        return None
    return records.get_record(f"mpaccount#{account_id}", "mpaccount")


def record(customer: Customer, org_uuid: str, user_uuid: str | None = None) -> dict:
    """Register the customer for an existing organization on its own (no sign-up: an
    organization made by the operator, local mode's demo). Raises records.Exists when the
    customer or its account registered already."""
    found = rows(customer, org_uuid, user_uuid, clock.now())
    records.put_new_records(found)
    registered(found[0][3])
    return found[0][3]


def on_registered(name: str, hook: Hook) -> None:
    _hooks[name] = hook


def registered(row: dict) -> None:
    """Tell the hooks a customer registered an organization (after its rows are written)."""
    for name, hook in _hooks.items():
        try:
            hook(row)
        except Exception:   # noqa: BLE001 - the sign-up stands; the hook's work is redone later
            log.exception("registration hook %s failed for customer %s", name,
                          row.get("customer_identifier"))
