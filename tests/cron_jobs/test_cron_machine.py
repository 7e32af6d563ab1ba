"""The cron job machine and its schedule, pure: each scheduled time handled once whatever the
firings, the rule for times that passed, time zones and clock changes (croniter)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.cron_jobs import machine as m
from chalicelib.cron_jobs import schedule
from chalicelib.cron_jobs.machine import CronSpec, CronStatus, Outcome, Step
from chalicelib.kernel.errors import DomainError

SPEC = CronSpec(name="nightly", description="", schedule="*/5 * * * *", timezone="Etc/GMT",
                template_uuid="t", cluster_uuid="c", max_concurrent_runs=1)
T0 = 1_800_000_000.0          # a multiple of 300: a scheduled time of */5


def created(next_at: float = T0 + 300) -> m.CronJob:
    return m.evolve(None, m.decide_create("cj", "w", "o", SPEC, "API key k", next_at, T0)[0])


def fold(s, events):
    for e in events:
        s = m.evolve(s, e)
    return s


def test_a_new_cron_job_is_active_and_its_next_time_is_its_pending_step():
    s = created()
    assert s.status == CronStatus.ACTIVE and m.next_step(s) == Step.FIRE
    assert m.not_before(s) == T0 + 300 and m.live(s)


def test_deactivate_reactivate_delete():
    s = fold(created(), m.decide_deactivate(created(), "u", T0 + 1))
    assert s.status == CronStatus.INACTIVE and s.next_at is None and m.next_step(s) is None
    assert m.decide_deactivate(s, "u", T0 + 2) == []
    s = fold(s, m.decide_reactivate(s, "u", T0 + 900, T0 + 3))
    assert s.status == CronStatus.ACTIVE and s.next_at == T0 + 900
    assert m.decide_reactivate(s, "u", T0 + 900, T0 + 4) == []
    s = fold(s, m.decide_delete(s, "u", T0 + 5))
    assert s.status == CronStatus.DELETED and not m.live(s) and m.next_step(s) is None
    for decide in (lambda: m.decide_deactivate(s, "u", 9), lambda: m.decide_delete(s, "u", 9),
                   lambda: m.decide_run_now(s, "r", "u", 9)):
        with pytest.raises(DomainError, match="was deleted"):
            decide()


def test_a_scheduled_time_is_handled_once_a_repeated_firing_is_refused():
    s = created()
    firing = [m.ScheduledRunStarted(T0 + 300, "r1", T0 + 310), m.NextRunScheduled(T0 + 600,
                                                                                   T0 + 310)]
    assert all(m.allows(s, e) for e in firing)
    s = fold(s, firing)
    assert s.last_scheduled == T0 + 300 and s.next_at == T0 + 600 and s.started == 1
    # The same firing again (a duplicated tick, a racing worker): refused, event by event.
    assert not m.allows(s, firing[0])
    assert not m.allows(s, m.ScheduledRunSkipped(T0 + 300, "why", T0 + 320))
    assert not m.allows(s, m.MissedTimesSkipped(T0 + 300, T0 + 300, 1, False, T0 + 320))
    assert m.allows(s, m.ScheduledRunStarted(T0 + 600, "r2", T0 + 610))


def test_a_firing_is_a_fact_even_when_a_deactivation_came_first():
    s = fold(created(), m.decide_deactivate(created(), "u", T0 + 301))
    events = [m.ScheduledRunStarted(T0 + 300, "r1", T0 + 302),
              m.NextRunScheduled(T0 + 600, T0 + 302)]
    assert all(m.allows(s, e) for e in events)
    s = fold(s, events)
    assert s.status == CronStatus.INACTIVE and s.next_at is None and s.started == 1


def test_the_history_keeps_the_latest_entries():
    s = created()
    for i in range(1, m.HISTORY + 11):
        s = m.evolve(s, m.ScheduledRunSkipped(T0 + 300 * i, f"why {i}", T0 + 300 * i))
    assert len(s.history) == m.HISTORY and s.skipped == m.HISTORY + 10
    assert s.history[-1].reason == f"why {m.HISTORY + 10}"


def test_run_uuids_are_the_same_for_a_time_and_differ_between_times_and_cron_jobs():
    assert m.run_uuid("a", T0) == m.run_uuid("a", T0)
    assert len({m.run_uuid("a", T0), m.run_uuid("a", T0 + 60), m.run_uuid("b", T0)}) == 3


# ---- the rule for times that passed ---------------------------------------------------------

def test_late_ticks_lose_nothing_within_the_window():
    now = T0 + 600
    plan = m.catch_up([T0, T0 + 300, T0 + 600], now)
    assert plan.start == (T0, T0 + 300, T0 + 600) and plan.missed == ()


def test_times_missed_while_down_only_the_latest_runs_and_only_when_none_is_recent():
    hour = 3600.0
    due = [T0 + i * hour for i in range(5)]
    down_until_20_past = m.catch_up(due, due[-1] + 20 * 60)
    assert down_until_20_past.start == (due[-1],) and down_until_20_past.missed == tuple(due[:-1])
    back_at_5_past = m.catch_up(due, due[-1] + 5 * 60)
    assert back_at_5_past.start == (due[-1],) and back_at_5_past.missed == tuple(due[:-1])
    every_minute = [T0 + 60 * i for i in range(60)]
    plan = m.catch_up(every_minute, every_minute[-1] + 30)
    assert plan.start == tuple(every_minute[-15:]) and plan.missed == tuple(every_minute[:-15])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=40))
def test_whatever_the_ticks_each_time_is_handled_exactly_once(gaps):
    """Firings at arbitrary times (late, early, repeated at the same instant), each followed
    by a repeat of itself: every scheduled time is started or skipped exactly once."""
    sched = schedule.Schedule("* * * * *", "Etc/GMT")
    s = created(next_at=T0 + 60)
    now, handled = T0 + 60, []
    for gap in gaps:
        now += gap
        if s.next_at > now:
            continue
        due = schedule.between(sched, s.next_at, now, 10_000)
        plan = m.catch_up(due, now)
        events = []
        if plan.missed:
            events.append(m.MissedTimesSkipped(plan.missed[0], plan.missed[-1],
                                               len(plan.missed), False, now))
        events += [m.ScheduledRunStarted(t, m.run_uuid("cj", t), now) for t in plan.start]
        events.append(m.NextRunScheduled(schedule.next_after(sched, now), now))
        assert all(m.allows(x, e) for x, e in _states(s, events))
        s = fold(s, events)
        assert not any(m.allows(x, e) for x, e in _states(s, events[:-1]))   # the repeat
        handled += list(plan.missed) + list(plan.start)
    assert handled == sorted(set(handled))
    if handled:
        assert handled == schedule.between(sched, T0 + 60, handled[-1], 100_000)


def _states(s, events):
    for e in events:
        yield s, e
        if m.allows(s, e):
            s = m.evolve(s, e)


# ---- schedules, zones and clock changes -----------------------------------------------------

NY = ZoneInfo("America/New_York")


def _local(*args, fold=0) -> float:
    return datetime(*args, tzinfo=NY, fold=fold).timestamp()


def _times(expression: str, zone: str, start: float, days: float) -> list[datetime]:
    sched = schedule.Schedule(expression, zone)
    return [datetime.fromtimestamp(t, ZoneInfo(zone))
            for t in schedule.between(sched, start, start + days * 86400, 10_000)]


def test_a_daily_time_in_the_hour_repeated_when_clocks_go_back_runs_once():
    got = _times("30 1 * * *", "America/New_York", _local(2026, 10, 30), 4)
    assert [(t.day, t.hour, t.minute) for t in got] == [(30, 1, 30), (31, 1, 30), (1, 1, 30),
                                                        (2, 1, 30)]
    assert got[2].utcoffset() == timedelta(hours=-4)      # its first occurrence (EDT)


def test_a_daily_time_in_the_hour_skipped_when_clocks_go_forward_runs_once_after_it():
    got = _times("30 2 * * *", "America/New_York", _local(2026, 3, 6), 4)
    assert [(t.day, t.hour, t.minute) for t in got] == [(6, 2, 30), (7, 2, 30), (8, 3, 0),
                                                        (9, 2, 30)]


def test_an_hourly_schedule_follows_the_real_hours_through_both_changes():
    back = [t.timestamp() for t in _times("0 * * * *", "America/New_York",
                                          _local(2026, 10, 31, 23), 0.25)]
    assert [b - a for a, b in zip(back, back[1:])] == [3600.0] * (len(back) - 1)
    assert len(back) == 7          # 23:00 .. 04:00 EST: the repeated hour runs again
    forward = [t.timestamp() for t in _times("0 * * * *", "America/New_York",
                                             _local(2026, 3, 7, 23), 0.25)]
    assert [b - a for a, b in zip(forward, forward[1:])] == [3600.0] * (len(forward) - 1)


def test_time_zones_and_the_sdks_default():
    tokyo = _times("0 9 * * *", "Asia/Tokyo", T0, 1)[0]
    assert (tokyo.hour, tokyo.minute) == (9, 0)
    assert tokyo.astimezone(ZoneInfo("UTC")).hour == 0
    gmt = _times("0 9 * * *", "Etc/GMT", T0, 1)[0]
    assert gmt.utcoffset() == timedelta(0) and gmt.hour == 9
    assert schedule.local_date(_local(2026, 10, 31, 23, 30), "America/New_York") == "2026-10-31"
    assert schedule.local_date(_local(2026, 10, 31, 23, 30), "Etc/GMT") == "2026-11-01"


@pytest.mark.parametrize("expression", ["", "* * * *", "* * * * * *", "61 * * * *",
                                        "* 25 * * *", "@reboot", "@every 5m", "x y z a b"])
def test_bad_expressions_are_refused(expression):
    with pytest.raises(schedule.BadSchedule):
        schedule.check_expression(expression)


def test_a_schedule_that_never_comes_is_refused():
    with pytest.raises(schedule.BadSchedule, match="never comes|within"):
        schedule.next_after(schedule.Schedule("0 0 30 2 *", "Etc/GMT"), T0)
    assert schedule.check_expression("  @Daily ") == "@daily"
    assert schedule.check_expression("*/5  *  * * 1-5") == "*/5 * * * 1-5"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "/etc/localtime", ""])
def test_bad_zones_are_refused(zone):
    with pytest.raises(schedule.BadSchedule):
        schedule.zone(zone)


def test_the_latest_time_at_or_before():
    sched = schedule.Schedule("*/5 * * * *", "Etc/GMT")
    assert schedule.latest_at_or_before(sched, T0 + 299, T0) == T0
    assert schedule.latest_at_or_before(sched, T0 + 300, T0) == T0 + 300
    assert schedule.latest_at_or_before(sched, T0 + 299, T0 + 1) is None
    daily = schedule.Schedule("30 1 * * *", "America/New_York")
    at = schedule.latest_at_or_before(daily, _local(2026, 11, 1, 3), 0)
    assert at == _local(2026, 11, 1, 1, 30)      # the first 01:30, not the repeated one


def test_outcomes_are_named_for_the_history():
    s = fold(created(), [m.MissedTimesSkipped(T0 + 300, T0 + 900, 3, False, T0 + 2000),
                         m.ScheduledRunStarted(T0 + 1200, "r", T0 + 2000),
                         m.RunNowStarted("r2", "API key k", T0 + 2001)])
    assert [e.outcome for e in s.history] == [Outcome.MISSED, Outcome.STARTED, Outcome.RUN_NOW]
    assert s.missed == 3 and s.started == 1 and s.last_run_at == T0 + 2001
    assert s.history[0].reason == "the platform was down at these times"
