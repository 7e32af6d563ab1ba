"""Who an organization is as an AWS Marketplace customer (ResolveCustomer's answer at its
sign-up): what usage reports name to AWS. One row, "orgcustomer#<organization>"."""
from __future__ import annotations

from dataclasses import asdict

from ..cloud.marketplace import Customer
from ..store import records


def customer_row(organization_uuid: str, customer: Customer, at: float) -> tuple:
    """The organization's Marketplace customer, as usage reports name it to AWS."""
    return (f"orgcustomer#{organization_uuid}", "orgcustomer", "orgcustomer",
            {**asdict(customer), "registered_at": at})


def customer_of(organization_uuid: str) -> Customer | None:
    """The Marketplace customer an organization registered as (None: not through Marketplace)."""
    row = records.get_record(f"orgcustomer#{organization_uuid}", "orgcustomer")
    if row is None:
        return None
    return Customer(row["customer_identifier"], row["product_code"],
                    row["customer_aws_account_id"], row.get("license_arn", ""))
