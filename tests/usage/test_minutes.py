"""The charging rule, pure: nearest minute, split into hours that add up."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel.service import Period, follow, in_service
from chalicelib.usage.minutes import HOUR, by_hour, hour_of, total


def at(text: str) -> float:
    return datetime.fromisoformat(f"2027-03-04T{text}+00:00").timestamp()


def test_the_issue_example_10_07_30_to_12_41_10():
    p = (Period(at("10:07:30"), at("12:41:10"), "c5.2xlarge", 1),)
    hours = by_hour(p, 0, at("13:00:00"))
    assert hours == {(at("10:00:00"), "c5.2xlarge"): 53, (at("11:00:00"), "c5.2xlarge"): 60,
                     (at("12:00:00"), "c5.2xlarge"): 41}
    assert total(p, at("13:00:00")) == 154     # 153 min 40 s to the nearest minute


def test_nodes_multiply_and_a_closed_hour_never_changes():
    p = Period(at("10:07:30"), None, "c5n.18xlarge", 3)
    at_11 = by_hour((p,), 0, at("11:00:00"))
    later = by_hour((p,), 0, at("15:30:00"))
    assert at_11[(at("10:00:00"), "c5n.18xlarge")] == 3 * 53
    assert later[(at("10:00:00"), "c5n.18xlarge")] == 3 * 53
    assert later[(at("15:00:00"), "c5n.18xlarge")] == 3 * 30


def test_less_than_half_a_minute_is_nothing_and_half_is_one():
    assert total((Period(at("10:00:00"), at("10:00:29"), "t", 1),), at("11:00:00")) == 0
    assert total((Period(at("10:00:00"), at("10:00:30"), "t", 1),), at("11:00:00")) == 1


def test_since_skips_hours_already_metered():
    p = (Period(at("10:07:30"), at("12:41:10"), "t", 1),)
    assert by_hour(p, at("11:00:00"), at("13:00:00")) == {(at("11:00:00"), "t"): 60,
                                                          (at("12:00:00"), "t"): 41}


def test_follow_opens_closes_and_splits_on_a_change():
    ps = follow((), True, 100.0, "a", 2)
    assert in_service(ps) and ps == (Period(100.0, None, "a", 2),)
    assert follow(ps, True, 150.0, "a", 2) == ps                  # still in service: nothing
    ps = follow(ps, True, 200.0, "a", 3)                          # a scale: split
    assert ps == (Period(100.0, 200.0, "a", 2), Period(200.0, None, "a", 3))
    ps = follow(ps, False, 300.0, "a", 3)
    assert not in_service(ps) and ps[-1].end == 300.0
    assert follow(ps, False, 400.0, "a", 3) == ps                 # out of service: nothing
    assert follow((), True, 1.0, "a", 0) == ()                     # no nodes, no period


@given(st.floats(0, 5 * HOUR), st.floats(0, 30 * HOUR), st.integers(1, 8))
def test_hours_always_add_up_to_the_rounded_total(offset, length, nodes):
    start = at("00:00:00") + offset
    p = (Period(start, start + length, "t", nodes),)
    until = hour_of(start + length) + HOUR
    assert sum(by_hour(p, 0, until).values()) == nodes * int((length + 30) // 60)
    # a sweep hour after hour gives the same figures as one at the end
    pieces: dict = {}
    h = hour_of(start)
    while h < until:
        pieces.update(by_hour(p, h, h + HOUR))
        h += HOUR
    assert pieces == {k: v for k, v in by_hour(p, 0, until).items()}
