"""DynamoDB applies each request atomically; moto 5.2.5 does not.

moto's UpdateItem handler reads the old item, applies the update, then renders the item it
updated, and it does these as separate steps on shared objects: a thread switch between them
(in-process threads, or the threaded server's request threads) can render another request's
value or lose an increment that DynamoDB would never lose. Corral depends on that atomicity
(the sign-in lockout counts with one conditional increment), so the emulator handles each
DynamoDB request whole, one at a time, parse to reply."""

from __future__ import annotations

import threading
from typing import Any, Callable

from ._patching import wrap_method

# Re-entrant: a handler may call another handler's method of the same object.
_lock = threading.RLock()

_ACTIONS = ("get_item", "put_item", "update_item", "delete_item", "query", "scan",
            "batch_get_item", "batch_write_item", "transact_get_items",
            "transact_write_items")


def _serialised(original: Callable[..., Any]) -> Callable[..., Any]:
    def handle(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(self, *args, **kwargs)
    return handle


def lock() -> threading.RLock:
    """Held, no DynamoDB request is half applied (local/state.py writes the tables then)."""
    return _lock


def install() -> None:
    from moto.dynamodb.responses import DynamoHandler
    for action in _ACTIONS:
        wrap_method(DynamoHandler, action, _serialised)
