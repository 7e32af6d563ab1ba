"""The pure AMI share state machine: table, folding, backoff, stale results, tasks."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.image_shares import machine as m
from chalicelib.image_shares.machine import ShareStatus as S
from chalicelib.image_shares.machine import Step
from chalicelib.kernel.events import from_record, to_record
from chalicelib.kernel.state import dump, fold, load
from chalicelib.kernel.task import KEPT_TASKS, TaskStatus

SID, ORG, ACCOUNT, OTHER = "s" * 8, "o" * 8, "210987654321", "123456789012"


def requested(account=ACCOUNT, task="t1", at=0.0, retry=False):
    return m.ImageShareRequested(SID, ORG, "us-east-1", account, task, retry, at)


def test_a_request_opens_a_pending_share_with_a_new_task():
    s = fold(m.evolve, [requested()])
    assert s.status == S.PENDING and m.next_step(s) == Step.SHARE
    assert s.task.status == TaskStatus.NEW and s.task.operation == m.SHARE_IMAGES
    assert s.task.resource_uuid == SID


def test_shared_finishes_the_task_and_then_watches_for_new_images():
    s = fold(m.evolve, [requested(), m.ImagesShared(ACCOUNT, ("ami-1", "ami-2"), 1.0)])
    assert s.status == S.SHARED and s.shared == ("ami-1", "ami-2")
    assert s.task.status == TaskStatus.FINISHED
    assert "ami-1, ami-2" in s.task.details[-1]
    assert m.next_step(s) == Step.VERIFY and m.wait_seconds(s, 99.0) == 0


def test_failure_records_the_reason_attempts_and_a_retry_time():
    s = fold(m.evolve, [requested(), m.ImageShareFailed(ACCOUNT, ("ami-1",), "UnauthorizedOperation: no",
                                                 30.0, 0.0)])
    assert s.status == S.FAILED and s.reason == "UnauthorizedOperation: no"
    assert s.attempts == 1 and s.shared == ("ami-1",) and s.retry_at == 30.0
    assert s.task.status == TaskStatus.FAILED
    assert m.next_step(s) == Step.RETRY
    assert m.wait_seconds(s, 10.0) == 20.0 and m.wait_seconds(s, 31.0) == 0


def test_a_retry_keeps_attempts_and_reason_and_opens_a_new_task():
    s = fold(m.evolve, [requested(), m.ImageShareFailed(ACCOUNT, (), "X: no", 30.0, 0.0),
                requested(task="t2", at=30.0, retry=True)])
    assert s.status == S.PENDING and s.attempts == 1 and s.reason == "X: no"
    assert s.retry_at is None and s.task.uuid == "t2" and "Retry 2" in s.task.details[0]
    s = m.evolve(s, m.ImagesShared(ACCOUNT, ("ami-1",), 31.0))
    assert s.status == S.SHARED and s.attempts == 0 and s.reason is None
    assert [t.status for t in s.tasks] == [TaskStatus.FAILED, TaskStatus.FINISHED]


def test_a_passing_error_stays_pending_and_waits():
    s = fold(m.evolve, [requested(), m.ImageShareDeferred(ACCOUNT, (), "Throttling: slow", 30.0, 0.0)])
    assert s.status == S.PENDING and s.attempts == 1 and s.task.status == TaskStatus.INPROGRESS
    assert m.next_step(s) == Step.SHARE and m.wait_seconds(s, 0.0) == 30.0


def test_a_new_account_starts_from_scratch_and_supersedes_the_open_task():
    s = fold(m.evolve, [requested(), m.ImageShareFailed(ACCOUNT, ("ami-1",), "X: no", 30.0, 0.0),
                requested(task="t2", at=5.0, retry=True),
                requested(account=OTHER, task="t3", at=6.0)])
    assert s.account_id == OTHER and s.shared == () and s.attempts == 0 and s.reason is None
    assert s.tasks[-2].status == TaskStatus.FAILED
    assert "Superseded" in s.tasks[-2].details[-1]


def test_a_result_for_the_previous_account_is_not_allowed():
    s = fold(m.evolve, [requested(), requested(account=OTHER, task="t2", at=1.0)])
    late = m.ImagesShared(ACCOUNT, ("ami-1",), 2.0)
    assert not m.allows(s, late)
    with pytest.raises(ValueError):
        m.evolve(s, late)


def test_new_images_reopen_a_shared_share():
    s = fold(m.evolve, [requested(), m.ImagesShared(ACCOUNT, ("ami-1",), 1.0),
                m.NewImagesPublished(ACCOUNT, ("ami-9",), "t2", 2.0)])
    assert s.status == S.PENDING and s.task.uuid == "t2" and "ami-9" in s.task.details[0]
    s = m.evolve(s, m.ImagesShared(ACCOUNT, ("ami-9",), 3.0))
    assert s.shared == ("ami-1", "ami-9")


def test_requests_are_idempotent_while_pending_for_the_same_account():
    s = fold(m.evolve, [requested()])
    assert m.decide_request(s, SID, ORG, "us-east-1", ACCOUNT, "t9", 1.0) == []
    assert m.decide_request(s, SID, ORG, "us-east-1", OTHER, "t9", 1.0)
    shared = m.evolve(s, m.ImagesShared(ACCOUNT, (), 1.0))
    assert m.decide_request(shared, SID, ORG, "us-east-1", ACCOUNT, "t9", 2.0)
    assert m.decide_request(None, SID, ORG, "us-east-1", ACCOUNT, "t9", 2.0)


def test_backoff_doubles_up_to_fifteen_minutes():
    assert [m.backoff(n) for n in (1, 2, 3, 4, 5, 6, 10)] == [30, 60, 120, 240, 480, 900, 900]


def test_tasks_kept_in_the_row_are_bounded():
    events = [requested()]
    for i in range(12):
        events.append(requested(task=f"t{i + 2}", at=float(i + 1), retry=True))
    assert len(fold(m.evolve, events).tasks) == KEPT_TASKS


def test_state_and_events_round_trip():
    events = [requested(), m.ImageShareFailed(ACCOUNT, ("ami-1",), "X: no", 30.0, 0.0),
              requested(task="t2", at=30.0, retry=True),
              m.ImagesShared(ACCOUNT, ("ami-2",), 31.0)]
    again = [from_record(to_record(e)) for e in events]
    assert again == events
    s = fold(m.evolve, again)
    assert load(m.ImageShare, dump(s)) == s


RESULTS = st.sampled_from(["shared", "failed", "deferred", "retry", "relink", "new"])


@settings(max_examples=200, deadline=None)
@given(st.lists(RESULTS, max_size=25))
def test_any_sequence_keeps_the_invariants(moves):
    s = fold(m.evolve, [requested()])
    accounts = [ACCOUNT, OTHER]
    for i, move in enumerate(moves):
        at = float(i + 1)
        acct = s.account_id
        e = {"shared": m.ImagesShared(acct, (f"ami-{i}",), at),
             "failed": m.ImageShareFailed(acct, (), "X: no", at + 30, at),
             "deferred": m.ImageShareDeferred(acct, (), "Throttling: x", at + 30, at),
             "retry": requested(account=acct, task=f"r{i}", at=at, retry=True),
             "relink": requested(account=accounts[i % 2], task=f"l{i}", at=at),
             "new": m.NewImagesPublished(acct, (f"ami-n{i}",), f"n{i}", at)}[move]
        if not m.allows(s, e):
            continue
        s = m.evolve(s, e)
        # At most one open task, always the latest; SHARED means no failure is shown.
        open_tasks = [t for t in s.tasks if t.status in (TaskStatus.NEW, TaskStatus.INPROGRESS)]
        assert len(open_tasks) <= 1 and (not open_tasks or open_tasks[0] is s.task)
        if s.status == S.SHARED:
            assert s.reason is None and s.attempts == 0 and s.retry_at is None
        if s.status == S.FAILED:
            assert s.retry_at is not None and s.reason and s.task.status == TaskStatus.FAILED
        assert len(set(s.shared)) == len(s.shared)
