"""The FIRE step: the scheduled times that have come are handled by the rule in machine.py
(`catch_up`), each started (a run of the job template, once per time) or skipped with the
reason, and the next scheduled time becomes the pending step, due then."""
from __future__ import annotations

from ..engine.steps import Wait, runner
from . import commands, schedule
from . import machine as m
from .machine import CronJob, Step


def due_times(s: CronJob, now: float) -> tuple[list[float], bool]:
    """The scheduled times from the pending one to `now`, in order, and whether some older
    ones were left out (more than MISSED_LIMIT passed while the platform was down: the
    latest of those, and every one within the catch-up window, are still there)."""
    sched = schedule.Schedule(s.spec.schedule, s.spec.timezone)
    due = schedule.between(sched, s.next_at, now, m.MISSED_LIMIT)
    if len(due) < m.MISSED_LIMIT or due[-1] >= now - m.CATCH_UP_SECONDS:
        return due, False
    recent = schedule.between(sched, now - m.CATCH_UP_SECONDS, now, m.MISSED_LIMIT)
    latest_old = schedule.latest_at_or_before(sched, now - m.CATCH_UP_SECONDS - 0.001,
                                              due[-1] + 1)
    older = due + ([latest_old] if latest_old is not None else [])
    return older + [t for t in recent if t > older[-1]], latest_old is not None


def _fire(s: CronJob, now: float):
    if s.next_at is None:   # pragma: no cover - next_step says there is nothing to fire
        return []
    if now < s.next_at:
        return Wait(s.next_at - now, "not yet")
    due, more = due_times(s, now)
    plan = m.catch_up(due, now)
    events: list = []
    if plan.missed:
        events.append(m.MissedTimesSkipped(plan.missed[0], plan.missed[-1], len(plan.missed),
                                           more, now))
    live = commands.live_runs(s.workspace_uuid, s.uuid) if plan.start else 0
    limit = s.spec.max_concurrent_runs
    for t in plan.start:
        run_uuid = m.run_uuid(s.uuid, t)
        # Made already by a firing cut short before it said so: it counts among the live.
        if not commands.run_exists(s.workspace_uuid, run_uuid):
            if live >= limit:
                events.append(m.ScheduledRunSkipped(t, m.live_reason(live, limit), now))
                continue
            try:
                commands.start_run(s, run_uuid, f"{s.spec.name} "
                                   f"{schedule.local_time(t, s.spec.timezone)}",
                                   f"cron job {s.uuid}")
            except commands.NotStarted as e:
                events.append(m.ScheduledRunSkipped(t, e.reason, now))
                continue
            live += 1
        events.append(m.ScheduledRunStarted(t, run_uuid, now))
    sched = schedule.Schedule(s.spec.schedule, s.spec.timezone)
    events.append(m.NextRunScheduled(schedule.next_after(sched, max(now, due[-1])), now))
    return events


run = runner({Step.FIRE: _fire})
