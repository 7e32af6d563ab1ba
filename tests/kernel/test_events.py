"""Events (kernel.events.event) behave as frozen dataclasses do, though their methods are
shared rather than generated per class: construction, defaults, equality, hashing, repr,
immutability, dataclasses.fields and replace, and the stored record round trip."""
from __future__ import annotations

import dataclasses
from dataclasses import field

import pytest

from chalicelib.kernel.events import event, from_record, to_record


@event
class ThingHappened:
    thing_id: str
    parts: tuple
    at: float
    note: str = ""
    tags: dict = field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Reference:
    thing_id: str
    parts: tuple
    at: float
    note: str = ""
    tags: dict = field(default_factory=dict)


def test_an_event_is_built_compared_hashed_and_shown_like_a_frozen_dataclass():
    a = ThingHappened("t-1", ("x",), 1.5)
    b = ThingHappened(thing_id="t-1", parts=("x",), at=1.5, note="")
    ref = Reference("t-1", ("x",), 1.5)
    assert a == b and a != ThingHappened("t-2", ("x",), 1.5)
    assert a != ref and (a == ref) is False     # another class is never equal
    assert a.tags == {} and a.tags is not b.tags  # a fresh default per instance
    assert repr(a) == repr(ref).replace("Reference", "ThingHappened")
    c = ThingHappened("t-1", ("x",), 1.5, tags={})
    assert hash(c.__class__("t-9", (), 0.0, "n", None)) == hash(("t-9", (), 0.0, "n", None))
    assert dataclasses.is_dataclass(a)
    assert [f.name for f in dataclasses.fields(a)] == [f.name for f in dataclasses.fields(ref)]
    assert dataclasses.replace(a, note="n") == ThingHappened("t-1", ("x",), 1.5, "n")
    assert dataclasses.asdict(a) == dataclasses.asdict(ref)


def test_an_event_cannot_be_changed():
    a = ThingHappened("t-1", (), 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.note = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        del a.note


@pytest.mark.parametrize("args, kwargs", [
    (("t",), {}),                                   # missing fields
    (("t", (), 0.0, "", {}, "extra"), {}),          # too many
    (("t", (), 0.0), {"thing_id": "again"}),        # twice
    (("t", (), 0.0), {"colour": "red"}),            # unknown
])
def test_wrong_arguments_are_refused_as_a_dataclass_would(args, kwargs):
    with pytest.raises(TypeError):
        ThingHappened(*args, **kwargs)
    with pytest.raises(TypeError):
        Reference(*args, **kwargs)


def test_the_stored_record_reads_back_the_same_event():
    a = ThingHappened("t-1", ("x", "y"), 2.0, "n", {"k": "v"})
    record = to_record(a)
    assert record["type"] == "ThingHappened" and record["at"] == 2.0
    assert from_record(record) == a
