"""The cron job state machine: a job template run at the times of a schedule.

ACTIVE (its next scheduled time is its pending step, FIRE, due at that time) <-> INACTIVE
(deactivated: no time comes while it is), then DELETED for good. Runs a firing started stay
what they are (a deactivation or a deletion cancels none).

Each scheduled time is handled once: the events of a firing carry the scheduled time they are
about, and a time at or before the latest one handled is refused (`allows`), so a firing
repeated by a late, duplicated or concurrent tick commits nothing; the run of a (cron job,
scheduled time) has a uuid made from both (`run_uuid`), so it is created once even if a
firing is cut short between creating it and saying so.

The rule for times that passed (`catch_up`): when the step fires at `now`, every scheduled
time within CATCH_UP_SECONDS before `now` is started (ticks that come late lose nothing);
older ones were missed while the platform was down: of those, only the latest is started,
late, and only when no time within the window is started; the others are recorded as missed,
never run. A time whose maxConcurrentRuns are all still live is skipped, and said.
"""
from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.events import event
from ..kernel.state import dump, load
from ..kernel.task import CarriesTasks, Task

KIND = "cron_job"
HISTORY = 50                  # entries kept in the row (the latest)
MAX_CONCURRENT_RUNS = 10      # the SDK's documented maximum
CATCH_UP_SECONDS = 15 * 60    # a time this late is started; an older one was missed
MISSED_LIMIT = 1000           # missed times counted one by one (beyond: "more than")
RUN_NAMESPACE = uuidlib.UUID("2f0c6f5e-8d1b-4c55-9a3e-6f2b1c9d7e41")


class CronStatus(str, Enum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DELETED = "DELETED"


S = CronStatus


class Outcome(str, Enum):
    STARTED = "STARTED"      # a scheduled time's run was started
    SKIPPED = "SKIPPED"      # a scheduled time was not run, for the reason said
    MISSED = "MISSED"        # scheduled times that passed while the platform was down
    RUN_NOW = "RUN_NOW"      # a run asked for at once (POST .../run)


@dataclass(frozen=True)
class CronSpec:
    name: str
    description: str
    schedule: str               # 5 cron fields (or a nickname), checked by schedule.py
    timezone: str               # an IANA zone name
    template_uuid: str
    cluster_uuid: str = ""      # "": the template's clusterConfig
    max_concurrent_runs: int = 1
    pause_cluster_when_finished: bool | None = None   # for its runs (None: the template's)


@dataclass(frozen=True)
class Entry:
    """One line of a cron job's history."""
    outcome: Outcome
    at: float
    scheduled_for: float | None = None
    run_uuid: str | None = None
    reason: str = ""
    until: float | None = None      # MISSED: the latest of the times the entry stands for
    count: int = 1                  # MISSED: how many times
    more: bool = False              # MISSED: and more than that (not counted one by one)


# ---- events --------------------------------------------------------------------------------

@event
class CronJobCreated:
    cron_uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: dict
    created_by: str
    next_at: float
    at: float


@event
class ScheduledRunStarted:
    scheduled_for: float
    run_uuid: str
    at: float


@event
class ScheduledRunSkipped:
    scheduled_for: float
    reason: str
    at: float


@event
class MissedTimesSkipped:
    """Scheduled times from `first` to `last` passed while the platform was down."""
    first: float
    last: float
    count: int
    more: bool
    at: float


@event
class NextRunScheduled:
    next_at: float
    at: float


@event
class RunNowStarted:
    run_uuid: str
    by: str
    at: float


@event
class CronJobDeactivated:
    by: str
    at: float


@event
class CronJobReactivated:
    by: str
    next_at: float
    at: float


@event
class CronJobDeleted:
    by: str
    at: float


# ---- state ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CronJob(CarriesTasks):
    uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: CronSpec
    status: CronStatus
    created_by: str
    created_at: float
    updated_at: float
    in_state_since: float
    next_at: float | None = None          # the next scheduled time (None: inactive)
    last_scheduled: float | None = None   # the latest scheduled time handled
    last_run_at: float | None = None      # when its latest run was started
    started: int = 0
    skipped: int = 0
    missed: int = 0
    history: tuple[Entry, ...] = ()       # the latest HISTORY entries, oldest first
    tasks: tuple[Task, ...] = ()


_FIRING = (ScheduledRunStarted, ScheduledRunSkipped, MissedTimesSkipped, NextRunScheduled)
TRANSITIONS: dict[tuple[CronStatus | None, type], CronStatus] = {
    (None, CronJobCreated): S.ACTIVE,
    (S.ACTIVE, CronJobDeactivated): S.INACTIVE,
    (S.INACTIVE, CronJobReactivated): S.ACTIVE,
    (S.ACTIVE, CronJobDeleted): S.DELETED,
    (S.INACTIVE, CronJobDeleted): S.DELETED,
    (S.ACTIVE, RunNowStarted): S.ACTIVE,
    (S.INACTIVE, RunNowStarted): S.INACTIVE,
    # What a firing found stays a fact whatever happened meanwhile (a deactivation that
    # came while it started a run): it keeps its status.
    **{(status, e): status for status in S for e in _FIRING},
}


def _time_of(e: Any) -> float | None:
    if isinstance(e, (ScheduledRunStarted, ScheduledRunSkipped)):
        return e.scheduled_for
    if isinstance(e, MissedTimesSkipped):
        return e.first
    if isinstance(e, NextRunScheduled):
        return e.next_at
    return None


def allows(state: CronJob | None, e: Any) -> bool:
    """The table, and each scheduled time once: a firing's event about a time at or before
    the latest one handled is refused (a repeated firing commits nothing)."""
    if not table.allowed(TRANSITIONS, state, e):
        return False
    t = _time_of(e)
    return t is None or state is None or state.last_scheduled is None \
        or t > state.last_scheduled


def _add(s: CronJob, entry: Entry) -> CronJob:
    return replace(s, history=(s.history + (entry,))[-HISTORY:])


def evolve(state: CronJob | None, e: Any) -> CronJob:
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, CronJobCreated):
        return CronJob(uuid=e.cron_uuid, workspace_uuid=e.workspace_uuid,
                       organization_uuid=e.organization_uuid, spec=load(CronSpec, e.spec),
                       status=status, created_by=e.created_by, created_at=e.at,
                       updated_at=e.at, in_state_since=e.at, next_at=e.next_at)
    assert state is not None
    return table.stamp(state, _apply(state, e), status, e.at)


def _apply(s: CronJob, e: Any) -> CronJob:
    at = e.at
    if isinstance(e, ScheduledRunStarted):
        return _add(replace(s, last_scheduled=e.scheduled_for, last_run_at=at,
                            started=s.started + 1),
                    Entry(Outcome.STARTED, at, e.scheduled_for, e.run_uuid))
    if isinstance(e, ScheduledRunSkipped):
        return _add(replace(s, last_scheduled=e.scheduled_for, skipped=s.skipped + 1),
                    Entry(Outcome.SKIPPED, at, e.scheduled_for, reason=e.reason))
    if isinstance(e, MissedTimesSkipped):
        return _add(replace(s, last_scheduled=e.last, missed=s.missed + e.count),
                    Entry(Outcome.MISSED, at, e.first, until=e.last, count=e.count,
                          more=e.more, reason="the platform was down at "
                                              + ("these times" if e.count > 1 else "that time")))
    if isinstance(e, NextRunScheduled):
        return replace(s, next_at=e.next_at) if s.status == S.ACTIVE else s
    if isinstance(e, RunNowStarted):
        return _add(replace(s, last_run_at=at),
                    Entry(Outcome.RUN_NOW, at, run_uuid=e.run_uuid, reason=f"run now by {e.by}"))
    if isinstance(e, CronJobDeactivated):
        return replace(s, next_at=None)
    if isinstance(e, CronJobReactivated):
        return replace(s, next_at=e.next_at)
    if isinstance(e, CronJobDeleted):
        return replace(s, next_at=None)
    raise ValueError(f"unhandled event {type(e).__name__}")  # pragma: no cover


# ---- commands ------------------------------------------------------------------------------

def decide_create(cron_uuid: str, workspace_uuid: str, organization_uuid: str, spec: CronSpec,
                  created_by: str, next_at: float, at: float) -> list:
    return [CronJobCreated(cron_uuid, workspace_uuid, organization_uuid, dump(spec), created_by,
                           next_at, at)]


def _not_deleted(s: CronJob) -> None:
    if s.status == S.DELETED:
        raise DomainError(f"Cron job {s.spec.name} was deleted.")


def decide_deactivate(s: CronJob, by: str, at: float) -> list:
    _not_deleted(s)
    return [] if s.status == S.INACTIVE else [CronJobDeactivated(by, at)]


def decide_reactivate(s: CronJob, by: str, next_at: float, at: float) -> list:
    """`next_at`: the first scheduled time after now (those that passed while it was
    inactive are not run)."""
    _not_deleted(s)
    return [] if s.status == S.ACTIVE else [CronJobReactivated(by, next_at, at)]


def decide_delete(s: CronJob, by: str, at: float) -> list:
    _not_deleted(s)
    return [CronJobDeleted(by, at)]


def decide_run_now(s: CronJob, run_uuid: str, by: str, at: float) -> list:
    _not_deleted(s)
    return [RunNowStarted(run_uuid, by, at)]


# ---- firing --------------------------------------------------------------------------------

class Step(str, Enum):
    FIRE = "FIRE"


def next_step(s: CronJob) -> Step | None:
    return Step.FIRE if s.status == S.ACTIVE and s.next_at is not None else None


def not_before(s: CronJob) -> float | None:
    """The FIRE step is due at the next scheduled time: the tick finds it in the due index
    then (and a message that comes early finds nothing to do)."""
    return s.next_at if next_step(s) else None


def run_uuid(cron_uuid: str, scheduled_for: float) -> str:
    """The uuid of the run of one scheduled time: the same on every try."""
    return str(uuidlib.uuid5(RUN_NAMESPACE, f"{cron_uuid}@{int(scheduled_for)}"))


@dataclass(frozen=True)
class CatchUp:
    start: tuple[float, ...]      # the scheduled times to start, in order
    missed: tuple[float, ...]     # the times recorded as missed, never run


def catch_up(due: list[float], now: float, window: float = CATCH_UP_SECONDS) -> CatchUp:
    """The rule for the scheduled times that have come (`due`, in order, all <= now): those
    within `window` before now are started; of the older ones (missed while the platform was
    down) only the latest is started, and only when none within the window is."""
    recent = tuple(t for t in due if now - t <= window)
    older = tuple(t for t in due if now - t > window)
    if recent or not older:
        return CatchUp(recent, older)
    return CatchUp(older[-1:], older[:-1])


def live_reason(live: int, limit: int) -> str:
    runs = "run is" if live == 1 else "runs are"
    return f"maxConcurrentRuns is {limit} and {live} of its {runs} still live"


def live(s: CronJob) -> bool:
    return s.status != S.DELETED
