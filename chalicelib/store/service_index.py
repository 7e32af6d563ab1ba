"""The service index: one small row per aggregate whose instances have been in service (a
cluster that reached RUNNING), for metering to find them without a scan.

The row is written in the same transaction as the append that first puts the aggregate in
service (aggregates.append, `Placement.metered`), so no running cluster can be missing from it,
whatever crashes. Its key is spread over SHARDS partitions by a hash of the aggregate's key:
writes and reads never meet on one hot partition. Metering alone moves it on afterwards:
`through` is the hour up to which the aggregate's usage is in the ledger, and the row is
deleted once the aggregate has ended and every minute of it is metered.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Iterable, Iterator

from pynamodb.transactions import TransactWrite

from .models import StateItem

SHARDS = 16
KIND = "service"


@dataclass(frozen=True)
class Entry:
    organization_uuid: str   # whose usage it is
    kind: str                # the aggregate's kind, scope and uuid (its projection row's key)
    scope: str
    uuid: str
    through: float | None = None   # metered up to this hour's start (None: nothing yet)

    @property
    def key(self) -> tuple[str, str]:
        return key(self.organization_uuid, self.kind, self.scope, self.uuid)


def _shard_of(organization_uuid: str) -> str:
    return f"{KIND}#{zlib.crc32(organization_uuid.encode()) % SHARDS}"


def key(organization_uuid: str, kind: str, scope: str, uuid: str) -> tuple[str, str]:
    """An organization's entries share a shard (its usage so far is one Query); organizations
    spread over the shards."""
    return _shard_of(organization_uuid), f"{organization_uuid}#{kind}#{scope}#{uuid}"


def _body(e: Entry) -> dict:
    return {"organization_uuid": e.organization_uuid, "kind": e.kind, "scope": e.scope,
            "uuid": e.uuid, "through": e.through}


def _entry(item: StateItem) -> Entry:
    return Entry(**item.body)


def add_in(t: TransactWrite, organization_uuid: str, kind: str, scope: str, uuid: str) -> None:
    """Within an append's transaction: list the aggregate (once; it is never listed again
    after it left, since an ended aggregate does not come back into service)."""
    e = Entry(organization_uuid, kind, scope, uuid)
    t.save(StateItem(*e.key, kind=KIND, body=_body(e)))


def shard(n: int) -> Iterator[Entry]:
    return map(_entry, StateItem.query(f"{KIND}#{n}", consistent_read=True))


def of_organization(organization_uuid: str) -> list[Entry]:
    """The organization's listed aggregates: one Query."""
    return list(map(_entry, StateItem.query(
        _shard_of(organization_uuid), StateItem.sk.startswith(f"{organization_uuid}#"),
        consistent_read=True)))


def entries() -> Iterator[Entry]:
    """Every listed aggregate: one paged Query per shard."""
    for n in range(SHARDS):
        yield from shard(n)


def advance(moved: Iterable[Entry]) -> int:
    """Record how far each entry is metered (batched writes, 25 to a request)."""
    count = 0
    with StateItem.batch_write() as batch:
        for e in moved:
            batch.save(StateItem(*e.key, kind=KIND, body=_body(e)))
            count += 1
    return count


def remove(ended: Iterable[Entry]) -> int:
    """Unlist ended aggregates whose every minute is metered (batched). An ended aggregate
    never comes back into service, so nothing else writes its row any more."""
    count = 0
    with StateItem.batch_write() as batch:
        for e in ended:
            batch.delete(StateItem(*e.key))
            count += 1
    return count
