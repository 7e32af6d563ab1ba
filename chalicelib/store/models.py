"""The two tables.

`events`: the append-only log, one item per event, keyed (stream, version).
`state`: everything that is read: one projection row per aggregate (its folded state, version,
and when its next step is due), one row per task, one counter row per kind and scope, and
identity rows (organizations, API clients). Reads are GetItem or Query, never a scan:
- `due` (sparse): what the tick re-drives;
- `listing`: every listed row of a kind in a scope, by its ordinal (1, 2, ... in creation
  order, from the counter row), so page N of a list is one range of ordinals;
- `live` (sparse): the rows of a kind in a scope that are still alive (a cluster not
  TERMINATED), so live ones are found without reading the ended ones.
"""
from __future__ import annotations

from pynamodb.attributes import (BooleanAttribute, JSONAttribute, NumberAttribute,
                                 UnicodeAttribute)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from ..kernel import config

# The `due` index's hash key is spread over this many shards ("due#0".."due#15"), chosen by a
# hash of the row's key: a claim or a commit writes one small index item to one of them, so no
# single partition takes every write, and the tick reads each shard in turn.
DUE_SHARDS = 16


class EventItem(Model):
    class Meta:
        table_name = "corral-events"
        billing_mode = "PAY_PER_REQUEST"

    stream = UnicodeAttribute(hash_key=True)      # "<kind>#<uuid>"
    version = NumberAttribute(range_key=True)     # 1, 2, ...
    type = UnicodeAttribute()
    data = JSONAttribute()
    at = NumberAttribute()


class DueIndex(GlobalSecondaryIndex):
    """What the tick needs and nothing more: the keys name the aggregate (kind, scope, uuid)
    and `version` the step pending, so an index item is about a hundred bytes, not the row."""

    class Meta:
        index_name = "due"
        projection = IncludeProjection(["version"])

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class ListingIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "listing"
        projection = AllProjection()

    list_key = UnicodeAttribute(hash_key=True)     # "<scope>#<kind>"
    ordinal = NumberAttribute(range_key=True)


class LiveIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "live"
        projection = AllProjection()

    live_key = UnicodeAttribute(hash_key=True)     # "<scope>#<kind>" while alive, else absent
    ordinal = NumberAttribute(range_key=True)


class StateItem(Model):
    class Meta:
        table_name = "corral-state"
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    body = JSONAttribute()
    version = NumberAttribute(null=True)
    # Set only while the aggregate waits for a step (sparse index): when the tick should
    # re-drive it if nothing has moved it on by then.
    due_shard = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    claimed = NumberAttribute(null=True)          # version whose step a worker is running
    attempts = NumberAttribute(null=True)         # claims of that version's step so far
    # Listed rows (aggregates and tasks): their place in the scope's list of their kind.
    list_key = UnicodeAttribute(null=True)
    live_key = UnicodeAttribute(null=True)
    ordinal = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)          # the state's status, for query filters
    # A container's row (a workspace): whether new children (clusters) may be created in it;
    # a child's creation is conditional on it, in the same transaction.
    accepting = BooleanAttribute(null=True)
    # Counter rows ("count#<kind>" in a scope): ordinals given so far, and how many are alive.
    seq = NumberAttribute(null=True)
    live = NumberAttribute(null=True)
    # Rows kept for a while only (a message id seen, against replays): epoch seconds after
    # which the row counts as gone. The table's TTL deletes such rows some time later (AWS
    # says within days), so readers compare it with the time themselves.
    expires_at = NumberAttribute(null=True)
    due = DueIndex()
    listing = ListingIndex()
    alive = LiveIndex()


MODELS = (EventItem, StateItem)
_transactions: Connection | None = None


def transaction_connection() -> Connection:
    """The connection TransactWrite uses (cached: building a client costs tens of ms)."""
    global _transactions
    if _transactions is None:
        _transactions = Connection(region=StateItem.Meta.region)
    return _transactions


def configure() -> None:
    """Point the models at this deployment's tables and forget cached connections."""
    global _transactions
    s = config.get()
    _transactions = None
    EventItem.Meta.table_name = s.events_table
    StateItem.Meta.table_name = s.state_table
    for m in MODELS:
        m.Meta.region = s.region
        m._connection = None
    for index in (StateItem.due, StateItem.listing, StateItem.alive):
        index.Meta.model = StateItem


def create_tables() -> None:
    """Create both tables if missing (local mode and tests; AWS gets them from CloudFormation)."""
    configure()
    for m in MODELS:
        if not m.exists():
            m.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
