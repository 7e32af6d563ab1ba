"""The seeded platform, kept once per process and restored for every later test platform.

Provisioning the tables and queues, publishing the images, linking the demo account and
building its organization network take some 300 emulated AWS calls (about four seconds);
hundreds of tests start from that same seeded state. The first `Platform()` of a process
seeds for real and keeps a deep copy of moto's backends (every account and region, the
DynamoDB tables and SQS queues of the platform included) with the credentials, the demo's
keys and the environment (JWT secret, queue URL) they were made with; every later one restores a fresh copy of it.
A test therefore sees exactly what a freshly seeded platform holds (the same uuids across
the tests of one process, which no test may rely on being unique).

`CORRAL_FRESH_PLATFORM=1` seeds every platform for real (to rule the snapshot out)."""
from __future__ import annotations

import copy
import os
import threading
from dataclasses import dataclass
from typing import Any

from moto.core.base_backend import BackendDict
from moto.core.utils import unix_time_millis
from moto.sqs.models import sqs_backends


@dataclass(frozen=True)
class Seeded:
    boot_seconds: float
    clock: float
    env: dict        # what provisioning and seeding put in the environment
    platform_creds: dict
    customer_creds: dict
    demo: Any
    backends: list   # [(BackendDict, {account: AccountSpecificBackend})], never handed out
    taken_ms: float  # moto's wall clock when kept: SQS delays and visibility count from it


_kept: dict[float, Seeded] = {}
# Moto's models hold locks (and events): shared, not copied. A snapshot is taken and restored
# between two tests, when no request holds one.
_SHARED_TYPES = tuple({type(threading.Lock()), type(threading.RLock()),
                       threading.Condition, threading.Event})


def _copy(backends: list) -> list:
    dispatch = copy._deepcopy_dispatch   # type: ignore[attr-defined]
    saved = {t: dispatch.get(t) for t in _SHARED_TYPES}
    dispatch.update({t: (lambda x, memo: x) for t in _SHARED_TYPES})
    try:
        # The BackendDicts themselves are module-level registries: kept, their content copied.
        return copy.deepcopy(backends, {id(bd): bd for bd, _ in backends})
    finally:
        for t, copier in saved.items():
            if copier is None:
                dispatch.pop(t, None)
            else:
                dispatch[t] = copier


def keep(boot_seconds: float, clock: float, env: dict, platform_creds: dict,
         customer_creds: dict, demo: Any) -> None:
    backends = [(bd, dict(bd)) for bd in BackendDict._instances]
    _kept[boot_seconds] = Seeded(boot_seconds, clock, dict(env), dict(platform_creds),
                                 dict(customer_creds), demo, _copy(backends), unix_time_millis())


def reusable(boot_seconds: float) -> Seeded | None:
    if os.environ.get("CORRAL_FRESH_PLATFORM") == "1":
        return None
    return _kept.get(boot_seconds)


def restore(seeded: Seeded) -> None:
    """Put a fresh copy of the kept backends in place (after mock_aws started, which emptied
    them)."""
    for bd, accounts in _copy(seeded.backends):
        dict.clear(bd)
        dict.update(bd, accounts)
        if bd not in BackendDict._instances:
            BackendDict._instances.append(bd)
    _shift_queues(unix_time_millis() - seeded.taken_ms)


def _shift_queues(ms: float) -> None:
    """SQS times its messages by the wall clock: a message the seed sent with a delay (or
    received, so invisible for a while) must still wait what it waited when kept, not
    turn visible because the snapshot is older than its delay."""
    for region in sqs_backends.values():
        for backend in region.values():
            for q in backend.queues.values():
                for m in q._messages:
                    m.sent_timestamp = int(m.sent_timestamp + ms) if m.sent_timestamp else None
                    m.delayed_until = m.delayed_until + ms if m.delayed_until else 0.0
                    m.visible_at = m.visible_at + ms if m.visible_at else 0.0
