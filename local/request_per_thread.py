"""One `current_request` per thread for the local app.

Chalice keeps the request being handled in one attribute of the app (`app.current_request`,
which every blueprint's `current_request` reads). On Lambda a process handles one request at a
time, so that is enough; `make run`'s server (chalice's threaded local server) and the tests'
parallel requests handle several at once in one process, and one request could read another's
body (a create seen without its name). Here the attribute is kept per thread, for every Chalice
app of the process; production is untouched."""
from __future__ import annotations

import threading

from chalice import Chalice

_local = threading.local()


def _get(_app: Chalice):
    return getattr(_local, "request", None)


def _set(_app: Chalice, value) -> None:
    _local.request = value


def install() -> None:
    """Idempotent."""
    if not isinstance(Chalice.__dict__.get("current_request"), property):
        Chalice.current_request = property(_get, _set)
