"""The usage ledger: one row per (organization, hour, resource, instance type) with its
instance-minutes, in the state table.

Keys: pk "usage#<organization>#<YYYY-MM>", sk "<YYYY-MM-DDTHH>#<kind>#<uuid>#<type>". An
organization's hour is one Query (the month's partition, sk beginning with the hour), its
month one Query too. A row holds an absolute figure computed from service periods, never an
increment: writing it again (a re-run sweep, a replayed event) writes the same row.

Beside it, the hour's index "usagehour#<YYYY-MM-DDTHH>" lists the organizations with usage in
that hour, so the report reads only them; the sweep writes both, batched.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator

from ..store.models import StateItem

KIND = "usage"


def hour_label(hour: float) -> str:
    return datetime.fromtimestamp(hour, tz=timezone.utc).strftime("%Y-%m-%dT%H")


def month_label(hour: float) -> str:
    return hour_label(hour)[:7]


@dataclass(frozen=True)
class Line:
    organization_uuid: str
    workspace_uuid: str
    hour: float                # the hour's start (epoch seconds, UTC)
    kind: str                  # "cluster" or "notebook"
    uuid: str
    name: str
    instance_type: str
    minutes: int               # instance-minutes in the hour
    dimension: str
    dollars: float

    @property
    def key(self) -> tuple[str, str]:
        return (f"{KIND}#{self.organization_uuid}#{month_label(self.hour)}",
                f"{hour_label(self.hour)}#{self.kind}#{self.uuid}#{self.instance_type}")


def _hour_index_key(hour: float, organization_uuid: str) -> tuple[str, str]:
    return f"usagehour#{hour_label(hour)}", organization_uuid


def write(lines: Iterable[Line]) -> int:
    """Write the lines and the hours' index (batched, 25 to a request; a key written twice in
    one call would be refused, so each is written once)."""
    rows = {line.key: line for line in lines}
    index = {_hour_index_key(line.hour, line.organization_uuid) for line in rows.values()}
    with StateItem.batch_write() as batch:
        for (pk, sk), line in rows.items():
            batch.save(StateItem(pk, sk, kind=KIND, body=asdict(line)))
        for pk, sk in index:
            batch.save(StateItem(pk, sk, kind="usagehour", body={}))
    return len(rows)


def _lines(items) -> Iterator[Line]:
    for item in items:
        yield Line(**item.body)


def hour(organization_uuid: str, hour_start: float) -> list[Line]:
    """The organization's lines of one hour: one Query."""
    pk = f"{KIND}#{organization_uuid}#{month_label(hour_start)}"
    return list(_lines(StateItem.query(pk, StateItem.sk.startswith(hour_label(hour_start) + "#"),
                                       consistent_read=True)))


def between(organization_uuid: str, start: float, end: float) -> list[Line]:
    """The organization's lines of the hours in [start, end): one Query per month touched."""
    out: list[Line] = []
    month = month_label(start)
    last = month_label(max(start, end - 1))
    while True:
        pk = f"{KIND}#{organization_uuid}#{month}"
        out.extend(line for line in _lines(StateItem.query(
            pk, StateItem.sk.between(hour_label(start), hour_label(end - 1) + "~"),
            consistent_read=True)) if start <= line.hour < end)
        if month >= last:
            return out
        year, mon = int(month[:4]), int(month[5:7])
        month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def organizations_in(hour_start: float) -> list[str]:
    """The organizations with usage in the hour."""
    pk, _ = _hour_index_key(hour_start, "")
    return [item.sk for item in StateItem.query(pk, consistent_read=True)]
