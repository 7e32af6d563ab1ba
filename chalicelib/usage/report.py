"""The hourly report to AWS Marketplace, from the platform's account.

Once the sweep has put an hour in the ledger, the report builds that hour's records: one per
(organization, dimension) with the hour's start as timestamp and the instance-minutes as
quantity, written once and never changed (a row that exists is kept as it is), so every
resend carries the very record AWS already has, which it accepts again ("identical requests
are idempotent") and never answers DuplicateRecord to. Records are sent 25 to a call (and
under 1 MB), customers named as ResolveCustomer named them: CustomerAWSAccountId with
LicenseArn, or CustomerIdentifier for older subscriptions.

Each record keeps what AWS answered (Success, CustomerNotSubscribed, DuplicateRecord) and its
MeteringRecordId. Records AWS left unprocessed, and those of a call that was throttled or
failed, stay pending and are sent again at the next tick. A record whose hour started 6 hours
ago or more would make AWS refuse its whole call: it never goes into one; it is marked STALE
and raises an alert (an ERROR log line `ALERT usage-report-stale`, for a metric filter and
alarm) instead. An organization that did not come through Marketplace has nobody to bill:
its records are kept as NO_CUSTOMER and never sent.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone

from ..cloud import marketplace
from ..identity.customers import customer_of
from ..kernel import config
from ..kernel.errors import CloudError
from ..store import records
from ..store.models import StateItem
from . import ledger, sweep
from .minutes import HOUR

log = logging.getLogger("corral.usage")
KIND = "usagereport"
MARK = ("usagemark#report", "usagemark")
STALE_AFTER_SECONDS = 6 * HOUR
# Records this close to the 6-hour bound are not sent: clocks differ, and a call in flight
# must not carry a record that is stale by the time AWS reads it.
STALE_MARGIN_SECONDS = 5 * 60
FIRST_LOOK_BACK = 6 * HOUR     # the first report ever starts this far back
PENDING, STALE, NO_CUSTOMER = "PENDING", "STALE", "NO_CUSTOMER"
SENT = ("Success", "CustomerNotSubscribed", "DuplicateRecord")


@dataclass(frozen=True)
class Record:
    hour: float
    organization_uuid: str
    dimension: str
    quantity: int
    customer: dict | None          # Customer fields, as the organization registered
    status: str = PENDING
    metering_record_id: str = ""
    attempts: int = 0
    last_error: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return f"{KIND}#{ledger.hour_label(self.hour)}", f"{self.organization_uuid}#{self.dimension}"

    def usage_record(self) -> dict:
        c = self.customer or {}
        who = ({"CustomerAWSAccountId": c["customer_aws_account_id"], "LicenseArn": c["license_arn"]}
               if c.get("license_arn") else {"CustomerIdentifier": c["customer_identifier"]})
        return {**who, "Dimension": self.dimension, "Quantity": self.quantity,
                "Timestamp": datetime.fromtimestamp(self.hour, tz=timezone.utc)}


def _save(r: Record, only_if_new: bool = False) -> bool:
    return records.put_record(*r.key, KIND, asdict(r), only_if_new=only_if_new)


def hour_records(hour: float) -> list[Record]:
    return [Record(**i.body) for i in StateItem.query(f"{KIND}#{ledger.hour_label(hour)}",
                                                      consistent_read=True)]


def build(hour: float) -> int:
    """Write the hour's records from the ledger (each only if new). Returns how many are new."""
    made = 0
    for org in ledger.organizations_in(hour):
        totals: dict[str, int] = defaultdict(int)
        for line in ledger.hour(org, hour):
            totals[line.dimension] += line.minutes
        customer = customer_of(org)
        for dimension, quantity in sorted(totals.items()):
            if quantity <= 0:
                continue
            r = Record(hour, org, dimension, quantity,
                       asdict(customer) if customer else None,
                       status=PENDING if customer else NO_CUSTOMER)
            made += _save(r, only_if_new=True)
    return made


def send(hour: float, now: float) -> int:
    """Send the hour's pending records. Returns how many are still pending."""
    pending = [r for r in hour_records(hour) if r.status == PENDING]
    if not pending:
        return 0
    product = config.get().marketplace_product_code
    if now >= hour + STALE_AFTER_SECONDS - STALE_MARGIN_SECONDS:
        for r in pending:
            log.error("ALERT usage-report-stale: %s", json.dumps(
                {"hour": ledger.hour_label(hour), "organization": r.organization_uuid,
                 "dimension": r.dimension, "quantity": r.quantity, "attempts": r.attempts,
                 "last_error": r.last_error}))
            _save(replace(r, status=STALE))
        return 0
    if not product:     # no listing configured: nothing can be sent (they go stale, said)
        log.warning("no Marketplace product code set: %d usage record(s) of %s wait",
                    len(pending), ledger.hour_label(hour))
        return len(pending)
    left = 0
    batches = _batches(pending)
    for i, batch in enumerate(batches):
        try:
            metered = marketplace.batch_meter_usage(product, [r.usage_record() for r in batch])
        except CloudError as e:
            log.warning("BatchMeterUsage refused %d record(s) of %s: %s", len(batch),
                        ledger.hour_label(hour), e)
            for r in batch:
                _save(replace(r, attempts=r.attempts + 1, last_error=f"{e.code}: {e}"))
            left += len(batch)
            if e.transient:   # throttled: the rest waits for the next tick too
                return left + sum(len(b) for b in batches[i + 1:])
            continue
        for r, outcome in zip(batch, metered.results):
            if outcome is None:
                left += 1
                _save(replace(r, attempts=r.attempts + 1, last_error="unprocessed"))
            else:
                status, record_id = outcome
                if status != "Success":
                    log.warning("BatchMeterUsage answered %s for %s %s of %s (record %s)",
                                status, r.organization_uuid, r.dimension,
                                ledger.hour_label(hour), record_id)
                _save(replace(r, status=status, metering_record_id=record_id,
                              attempts=r.attempts + 1, last_error=""))
    return left


def _batches(pending: list[Record]) -> list[list[Record]]:
    """At most 25 records and under 1 MB a call."""
    out: list[list[Record]] = []
    size = 0
    for r in pending:
        n = len(json.dumps(r.usage_record(), default=str)) + 64
        if not out or len(out[-1]) == marketplace.MAX_RECORDS or size + n >= marketplace.MAX_BYTES:
            out.append([])
            size = 0
        out[-1].append(r)
        size += n
    return out


def run(now: float) -> None:
    """Build the hours the sweep finished since the last report, then send what is pending."""
    swept = sweep.swept_through()
    if swept is None:
        return
    mark = records.get_record(*MARK) or {}
    built = mark.get("built_through")
    start = built if built is not None else swept - FIRST_LOOK_BACK
    open_hours = set(mark.get("open", []))
    hour = start
    while hour < swept:
        build(hour)
        open_hours.add(hour)
        hour += HOUR
    still = {h for h in sorted(open_hours) if send(h, now)}
    records.put_record(*MARK, "usagemark",
                       {"built_through": max(swept, built or swept), "open": sorted(still)})
