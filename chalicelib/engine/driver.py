"""Moving aggregates: commit events (append + enqueue the next step), execute a command (load,
decide, commit, decide again on a conflict), drive one queued step, re-drive what is overdue.

One step per message: claim the pending step and read the projection row (one conditional
UpdateItem), derive the step, run its one side effect, commit the resulting events. A message
for an old version is dropped; a claimed step is not run twice; a crash leaves the claim to
expire and the tick to re-drive it.
"""
from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..kernel import clock, config, logs
from ..kernel.errors import CloudError, DomainError
from ..kernel.events import to_record
from ..store import aggregates, queue
from ..store.queue import Work
from . import registry
from .registry import Machine
from .steps import Wait

log = logging.getLogger("corral.engine")
RETRY_SECONDS = 30
# A command (or a creation) decides again when another writer got there first (the
# aggregate, or the scope's counter of new rows and tasks, moved meanwhile).
COMMAND_ATTEMPTS = 8
CREATE_ATTEMPTS = 12
CREATE_BACKOFF = 0.01          # seconds, doubled each round, up to the cap
CREATE_BACKOFF_CAP = 0.5
# A step that keeps failing ends its aggregate FAILED (where its machine has a failed state)
# after this many tries: passing AWS errors (throttling, eventual consistency) are given half
# an hour or so (retried every RETRY_SECONDS), anything unexpected (a bug, an input the AWS
# client refused) five tries.
MAX_PASSING_ATTEMPTS = 60
MAX_UNEXPECTED_ATTEMPTS = 5
# One tick re-drives at most this many overdue steps, in at most this much real time (of the
# tick Lambda's 60 s): a backlog of 100,000 drains over some ticks, none of which times out.
# Each costs an UpdateItem (its due_at moved on) and a tenth of a SendMessageBatch.
REDRIVE_LIMIT = 5000
REDRIVE_BUDGET_SECONDS = 30.0


@dataclass(frozen=True)
class Committed:
    state: Any
    version: int


def commit(kind: str, scope: str, uuid: str, version: int, state: Any,
           events: list, retries: int = 3, retry_in: float | None = None) -> Committed | None:
    """Append `events` (facts a step found) after `version` and enqueue the step they leave
    pending (or, with `retry_in`, leave it to the tick that many seconds from now).

    On a conflict the events are facts still: they are re-applied to the newer state if its
    table allows them, else dropped (and logged). Returns None when dropped."""
    m = registry.get(kind)
    for _ in range(retries):
        try:
            return _append(m, scope, uuid, version, state, events, retry_in)
        except aggregates.Conflict:
            row = aggregates.get(kind, scope, uuid)
            state, version = m.load(row.state), row.version
            if not _allowed(m, state, events):
                log.warning("dropped %s on %s %s v%s: no longer allowed",
                            [type(e).__name__ for e in events], kind, uuid, version)
                return None
    raise aggregates.Conflict(f"{kind} {uuid}: too many concurrent writers")


def _append(m: Machine, scope: str, uuid: str, version: int, state: Any, events: list,
            retry_in: float | None = None) -> Committed:
    new = state
    for e in events:
        new = m.evolve(new, e)
    before = {t.uuid: t for t in state.tasks} if state is not None else {}
    begun = [m.dump(t) for t in new.tasks if t.uuid not in before]
    changed = [m.dump(t) for t in new.tasks if t.uuid in before and before[t.uuid] != t]
    pending = m.next_step(new)
    now = clock.now()
    wait = retry_in if retry_in is not None else config.get().step_lease_seconds
    due = now + wait if pending else None
    # A step that would find nothing before some time (a fleet still booting) is queued for
    # then, and due then (as a Wait is): the tick runs it if the message is lost.
    start = m.not_before(new) if pending and retry_in is None else None
    delay = start - now if start is not None and start > now else 0
    if delay:
        due = start
    new_version = aggregates.append(
        m.kind, scope, uuid, version, [to_record(e) for e in events], m.dump(new), changed, due,
        place=m.place(new), before=m.place(state) if state is not None else None,
        new_tasks=begun)
    if pending and retry_in is None:
        _enqueue([Work(m.kind, scope, uuid, new_version)], delay_seconds=delay)
    return Committed(new, new_version)


def create(kind: str, scope: str, uuid: str, events: list) -> Committed:
    """Start a new aggregate with `events` (its uuid is new: nothing to load). Raises
    aggregates.ContainerClosed when its container no longer accepts it.

    Creations in one scope race for its next ordinal: one wins each round. A loser waits a
    random moment, longer each time (full jitter), before taking the next, so that a burst of
    creations spreads out instead of colliding again all at once."""
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return _append(registry.get(kind), scope, uuid, 0, None, events)
        except aggregates.ContainerClosed:
            raise
        except aggregates.Conflict:
            # another row took the ordinal this one was to get: take the next, a little later
            time.sleep(random.uniform(0, min(CREATE_BACKOFF_CAP, CREATE_BACKOFF * 2 ** attempt)))
    raise DomainError("Too many are being created here at once; try again.")


def execute(kind: str, scope: str, uuid: str, decide: Callable[[Any], list],
            busy: str = "It is changing too fast right now; try again.") -> Committed:
    """A command: load the aggregate, `decide(state)` (state is None when there is none; a
    refusal raises DomainError), commit. When another writer got there first, load and decide
    again. Returns the state after the command (unchanged when it decided nothing)."""
    m = registry.get(kind)
    for _ in range(COMMAND_ATTEMPTS):
        row = aggregates.get(kind, scope, uuid)
        state = m.load(row.state) if row else None
        version = row.version if row else 0
        events = decide(state)
        if not events:
            return Committed(state, version)
        try:
            return _append(m, scope, uuid, version, state, events)
        except aggregates.Conflict:
            continue
    raise DomainError(busy)


def _allowed(m: Machine, state: Any, events: list) -> bool:
    for e in events:
        if not m.allows(state, e):
            return False
        state = m.evolve(state, e)
    return True


def _enqueue(work: list[Work], delay_seconds: float = 0) -> None:
    try:
        # Rounded up: SQS delays are whole seconds, and a step run early finds nothing new.
        queue.send(work, delay_seconds=math.ceil(delay_seconds))
    except Exception:  # the append stands; the tick re-drives it once it is overdue
        log.exception("could not enqueue %s; the tick will re-drive it", work)


def drive(work: Work) -> str:
    """Run the step pending at `work.version`, if it still is. Returns what happened: the
    step's name, "wait", "retry", "failed", or why nothing ran ("stale", "busy", "idle")."""
    m = registry.get(work.kind)
    now = clock.now()
    claim = aggregates.claim(work.kind, work.scope, work.uuid, work.version, now,
                             config.get().step_lease_seconds)   # claims and reads the row
    if claim.refused:
        return claim.refused
    state, attempts = m.load(claim.row.state), claim.attempts
    step = m.next_step(state)
    logs.bind(organization=getattr(state, "organization_uuid", None),
              step=getattr(step, "value", None), attempt=attempts)
    if step is None:  # listed as due with nothing pending (never written so): unlist it
        aggregates.release(work.kind, work.scope, work.uuid, work.version, None)
        return "idle"
    try:
        outcome = m.run(step, state)
    except CloudError as e:
        # Passing trouble (throttling, a dependency still in use, a resource AWS does not see
        # yet) or, in a teardown, an account we cannot act in right now: try again later.
        return _failed_try(m, work, state, step, e.reason, now, attempts >= MAX_PASSING_ATTEMPTS)
    except Exception as e:  # noqa: BLE001 - whatever it is, it must not fail silently forever
        log.exception("%s %s %s failed unexpectedly", work.kind, work.uuid, step.value)
        return _failed_try(m, work, state, step, f"{type(e).__name__}: {e}", now,
                           attempts >= MAX_UNEXPECTED_ATTEMPTS)
    if isinstance(outcome, Wait):
        aggregates.release(work.kind, work.scope, work.uuid, work.version,
                           now + outcome.seconds)
        if outcome.seconds <= queue.MAX_DELAY_SECONDS:
            _enqueue([work], delay_seconds=outcome.seconds)
        # else SQS cannot hold it that long (a clipped delay would run it early): the tick
        # re-drives it once `due_at` passes
        return "wait"
    commit(work.kind, work.scope, work.uuid, work.version, state, outcome)
    return step.value


def _failed_try(m: Machine, work: Work, state: Any, step: Any, reason: str, now: float,
                exhausted: bool) -> str:
    """A step failed: end the aggregate FAILED once its tries are exhausted (where its machine
    can fail), else say why it waits (once per reason) and leave the retry to the tick."""
    if exhausted:
        events = m.failed(state, f"{step.value} kept failing: {reason}", now)
        if events:
            log.warning("%s %s: %s failed for good: %s", work.kind, work.uuid, step.value, reason)
            commit(work.kind, work.scope, work.uuid, work.version, state, events)
            return "failed"
    log.warning("%s %s %s: %s; retrying in %ss", work.kind, work.uuid, step.value, reason,
                RETRY_SECONDS)
    said = m.retrying(state, step, reason, now)
    if said:  # tell the user why it waits (once per reason); the tick retries it
        commit(work.kind, work.scope, work.uuid, work.version, state, said,
               retry_in=RETRY_SECONDS)
    else:
        aggregates.release(work.kind, work.scope, work.uuid, work.version, now + RETRY_SECONDS)
    return "retry"


def redrive(now: float, limit: int = REDRIVE_LIMIT,
            budget_seconds: float = REDRIVE_BUDGET_SECONDS) -> int:
    """Enqueue aggregates whose pending step is overdue: at most `limit`, and no more once
    `budget_seconds` of real time have gone (a larger backlog drains over the next ticks).
    Each one's `due_at` first moves on by a lease, conditional on its version, so a message
    the workers have not reached yet is not sent again by the next tick, and one that a
    worker claimed meanwhile is not sent at all. Returns how many were sent."""
    until = now + config.get().step_lease_seconds
    started = time.monotonic()
    batch: list[Work] = []
    sent = 0
    for due in aggregates.overdue(now, limit):   # the oldest first
        if aggregates.postpone(due, now, until):
            batch.append(Work(due.kind, due.scope, due.uuid, due.version))
        if len(batch) == 10:
            queue.send(batch)
            sent, batch = sent + len(batch), []
        if time.monotonic() - started >= budget_seconds:
            break
    if batch:
        queue.send(batch)
        sent += len(batch)
    return sent
