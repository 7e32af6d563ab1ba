"""A page of a list of rows, read in DynamoDB: what one request of a list route costs.

Every listed row of a kind in a scope has an ordinal (1, 2, ... in creation order) and the
scope's counter knows how many were given, so page N of the whole list in creation order (the
SDK's default) is one range of ordinals: it reads one page of items, whatever N is. Asking
only for live statuses reads the live index (the ended rows are never read); asking for some
uuids reads just those; any other filter or order reads the rows the query can narrow to
(statuses are filtered in DynamoDB) and finishes in memory."""
from __future__ import annotations

from typing import Any, Callable

from ..kernel.listing import ListQuery
from . import aggregates


def list_page(kind: str, scope: str, q: ListQuery, load: Callable[[dict], Any]
              ) -> tuple[list, int]:
    """(the states on page q.number, how many there are in all)."""
    if q.whole:
        total = aggregates.counts(kind, scope).seq
        rows = aggregates.page(kind, scope, q.number, q.size, q.descending, total)
        return [load(r.state) for r in rows], total
    if q.uuids:
        found = aggregates.rows_by_uuid(kind, scope, q.uuids)
        if q.descending:
            found.reverse()
    else:
        live_only = bool(q.statuses) and q.statuses <= q.live_statuses
        found = aggregates.rows(kind, scope, live_only=live_only, statuses=q.statuses,
                                descending=q.descending)
    states = [s for s in (load(r.state) for r in found)
              if (not q.statuses or _status(s) in q.statuses) and (q.keep is None or q.keep(s))]
    if q.order is not None:
        key, reverse = q.order
        states.sort(key=key, reverse=reverse != q.descending)
    start = (q.number - 1) * q.size
    return states[start:start + q.size], len(states)


def _status(state: Any) -> str | None:
    status = getattr(state, "status", None)
    return getattr(status, "value", status)
