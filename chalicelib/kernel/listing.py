"""What a list request asks for: a page, an order, filters. Pure: the store reads it
(store/lists.py), the concepts' shapes build it from query parameters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class ListQuery:
    number: int = 1                 # the page, from 1
    size: int = 20
    descending: bool = False        # newest first
    statuses: frozenset[str] = frozenset()
    uuids: frozenset[str] = frozenset()
    # The statuses in which a row counts as alive (the live index holds just those rows).
    live_statuses: frozenset[str] = frozenset()
    # Filters on the loaded state that the query cannot apply (names, tags), and an order
    # other than creation's: (key, reverse).
    keep: Callable[[Any], bool] | None = None
    order: tuple[Callable[[Any], Any], bool] | None = None

    @property
    def whole(self) -> bool:
        """Everything, in creation order: pages by ordinal."""
        return not (self.statuses or self.uuids or self.keep or self.order)
