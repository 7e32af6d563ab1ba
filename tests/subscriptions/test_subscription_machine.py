"""The subscription machine alone (pure): the table as the Marketplace's actions move it,
duplicates and notices out of order, the sweep's schedule, and random notice sequences
(hypothesis) against a plain reading of the table."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.kernel.state import dump, load
from chalicelib.kernel.task import TaskStatus
from chalicelib.subscriptions import machine as m
from chalicelib.subscriptions.machine import Notice, Step
from chalicelib.subscriptions.machine import SubscriptionStatus as S

ORG = "org-uuid"
START = m.SubscriptionStarted(ORG, "cust-1", "210987654321", 0.0)


def notice(action: str, at: float, message_id: str | None = None) -> Notice:
    return Notice(action, message_id or f"{action}@{at}", at, "sns", customer_identifier="cust-1")


def apply(s, *notices, at: float | None = None):
    for n in notices:
        for e in m.decide_notice(s, n, f"task-{n.message_id}", n.sent_at if at is None else at):
            s = m.evolve(s, e)
    return s


def started():
    return m.evolve(None, START)


@pytest.mark.parametrize("path, expected", [
    (["unsubscribe-pending"], S.UNSUBSCRIBE_PENDING),
    (["unsubscribe-pending", "unsubscribe-success"], S.UNSUBSCRIBED),
    (["unsubscribe-success"], S.UNSUBSCRIBED),              # the pending one never came
    (["unsubscribe-pending", "subscribe-success"], S.SUBSCRIBED),
    (["subscribe-fail"], S.FAILED),
    (["subscribe-fail", "subscribe-success"], S.SUBSCRIBED),
    (["subscribe-fail", "unsubscribe-success"], S.UNSUBSCRIBED),
    (["unsubscribe-success", "subscribe-success"], S.SUBSCRIBED),     # subscribed again
    (["entitlement-updated"], S.SUBSCRIBED),
    (["unsubscribe-pending", "entitlement-updated"], S.UNSUBSCRIBE_PENDING),
])
def test_the_actions_move_the_status(path, expected):
    s = apply(started(), *[notice(a, i + 1.0) for i, a in enumerate(path)])
    assert s.status == expected
    assert load(m.Subscription, dump(s)) == s


@pytest.mark.parametrize("status_path, action", [
    (["unsubscribe-success"], "unsubscribe-pending"),
    (["unsubscribe-success"], "unsubscribe-success"),
    (["unsubscribe-success"], "entitlement-updated"),
    (["unsubscribe-success"], "subscribe-fail"),
    (["subscribe-fail"], "unsubscribe-pending"),
    (["unsubscribe-pending"], "subscribe-fail"),
])
def test_what_the_table_does_not_take_is_recorded_as_ignored(status_path, action):
    s = apply(started(), *[notice(a, i + 1.0) for i, a in enumerate(status_path)])
    events = m.decide_notice(s, notice(action, 10.0), "t", 10.0)
    assert [type(e) for e in events] == [m.NoticeIgnored]
    after = m.evolve(s, events[0])
    assert after.status == s.status
    assert after.history[-1].outcome.startswith("ignored: ")
    assert after.latest_sent_at == s.latest_sent_at


def test_a_duplicate_changes_nothing_and_an_older_notice_is_ignored():
    s = apply(started(), notice("unsubscribe-success", 10.0, "m-1"))
    assert m.decide_notice(s, notice("unsubscribe-success", 10.0, "m-1"), "t", 11.0) == []
    late = m.decide_notice(s, notice("subscribe-success", 5.0, "m-0"), "t", 12.0)
    assert [type(e) for e in late] == [m.NoticeIgnored]
    assert "before the latest notice" in late[0].reason
    assert m.evolve(s, late[0]).status == S.UNSUBSCRIBED


def test_notices_decided_together_go_in_the_order_they_were_sent():
    events = m.decide_all(None, START, [notice("unsubscribe-success", 20.0),
                                        notice("unsubscribe-pending", 10.0)], ["t1", "t2"], 30.0)
    s = None
    for e in events:
        s = m.evolve(s, e)
    assert s.status == S.UNSUBSCRIBED
    assert [h.action for h in s.history] == ["unsubscribe-pending", "unsubscribe-success"]
    assert m.decide_all(s, START, [], [], 31.0) == []           # registered once
    assert m.decide_all(None, None, [notice("subscribe-success", 1.0)], ["t"], 2.0) == []


def test_new_work_is_refused_only_while_failed_or_ended():
    assert m.refusal(None) is None
    s = started()
    assert m.refusal(s) is None
    assert m.refusal(apply(s, notice("unsubscribe-pending", 1.0))) is None
    code, why = m.refusal(apply(s, notice("unsubscribe-success", 1.0)))
    assert code == "SubscriptionInactive" and "subscription of this organization ended" in why
    code, why = m.refusal(apply(s, notice("subscribe-fail", 1.0)))
    assert "failed" in why and "210987654321" in why


def test_the_sweep_runs_at_once_then_once_settled_and_while_something_waits():
    s = apply(started(), notice("unsubscribe-success", 100.0), at=100.0)
    assert (m.next_step(s), m.not_before(s)) == (Step.SWEEP, None)
    assert s.task.status == TaskStatus.NEW and "subscription ended" in s.task.details[0]
    s = m.evolve(s, m.ResourcesSwept(("Removal requested: cluster c1",), (), 101.0))
    assert (m.next_step(s), m.not_before(s)) == (Step.SWEEP, 100.0 + m.SETTLE_SECONDS)
    s = m.evolve(s, m.ResourcesSwept((), ("cluster c2 cannot be removed yet",),
                                     100.0 + m.SETTLE_SECONDS))
    assert m.next_step(s) == Step.SWEEP
    assert m.not_before(s) == 100.0 + m.SETTLE_SECONDS + m.RETRY_SECONDS
    s = m.evolve(s, m.ResourcesSwept(("Removal requested: cluster c2",), (), 200.0))
    assert m.next_step(s) is None
    assert s.task.status == TaskStatus.FINISHED
    assert s.removed == ("Removal requested: cluster c1", "Removal requested: cluster c2")
    # Subscribed again: nothing pending, and a sweep's late result is not taken.
    again = apply(s, notice("subscribe-success", 300.0))
    assert m.next_step(again) is None and not m.allows(again, m.ResourcesSwept((), (), 301.0))


ACTIONS = st.sampled_from(m.ACTIONS)
NOTICES = st.lists(st.tuples(ACTIONS, st.integers(0, 20), st.integers(0, 5)), max_size=25)


@settings(max_examples=300, deadline=None)
@given(NOTICES)
def test_any_notice_sequence_follows_the_table(sequence):
    """Each notice is applied by the table when it is not older than the latest applied and
    not a duplicate; the status is the table's; new work is refused exactly when the status
    says so; something is pending exactly while the subscription ended."""
    s = started()
    status, latest, seen = S.SUBSCRIBED, None, set()
    for action, sent, n in sequence:
        message_id = f"m-{n}-{action}-{sent}"
        events = m.decide_notice(s, Notice(action, message_id, float(sent), "eventbridge"),
                                 "t", 100.0)
        if message_id in seen:
            assert events == []
            continue
        seen.add(message_id)
        if (latest is None or sent >= latest) and (status, action) in m._MOVES:
            status, latest = m._MOVES[(status, action)], sent
            assert [type(e) for e in events] == [m.NoticeApplied]
        else:
            assert [type(e) for e in events] == [m.NoticeIgnored]
        for e in events:
            assert m.allows(s, e)
            s = m.evolve(s, e)
        assert s.status == status
        assert (m.refusal(s) is not None) == (status in (S.UNSUBSCRIBED, S.FAILED))
        assert (m.next_step(s) == Step.SWEEP) == (status == S.UNSUBSCRIBED)
    assert load(m.Subscription, dump(s)) == s
