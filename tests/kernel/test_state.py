"""State as plain data, written once for every state class: round trips through JSON, defaults
for keys a row does not have yet, and folding."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.kernel.state import dump, fold, load
from chalicelib.kernel.task import Task, TaskStatus


class Colour(str, Enum):
    RED = "RED"
    BLUE = "BLUE"


@dataclass(frozen=True)
class Inner:
    name: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outer:
    uuid: str
    colour: Colour
    inner: Inner
    maybe: Inner | None = None
    ids: tuple[str, ...] = ()
    loose: tuple = ()
    tasks: tuple[Task, ...] = ()
    count: int = 0
    note: str | None = None


def _outer(names, colour, count, with_maybe):
    return Outer(uuid="u", colour=colour, inner=Inner("i", {"k": "v"}),
                 maybe=Inner("m") if with_maybe else None, ids=tuple(names),
                 loose=tuple({"instance_id": n} for n in names),
                 tasks=tuple(Task(n, "OP", "r", TaskStatus.FINISHED, (n, "x")) for n in names),
                 count=count)


@given(st.lists(st.text(max_size=8), max_size=4), st.sampled_from(Colour), st.integers(),
       st.booleans())
def test_a_state_survives_json_and_back(names, colour, count, with_maybe):
    state = _outer(names, colour, count, with_maybe)
    data = json.loads(json.dumps(dump(state)))       # what a DynamoDB JSON attribute keeps
    assert load(Outer, data) == state


def test_enums_are_stored_by_value_and_tuples_as_lists():
    data = dump(_outer(["a"], Colour.BLUE, 1, False))
    assert data["colour"] == "BLUE" and data["ids"] == ["a"]
    assert data["tasks"][0]["status"] == "FINISHED" and data["maybe"] is None


def test_a_row_written_before_a_field_existed_loads_with_its_default():
    old = {"uuid": "u", "colour": "RED", "inner": {"name": "i"}}
    assert load(Outer, old) == Outer("u", Colour.RED, Inner("i"))


def test_fold_applies_events_in_order_from_nothing_or_a_state():
    assert fold(lambda s, e: (s or 0) * 10 + e, [1, 2, 3]) == 123
    assert fold(lambda s, e: s + e, [1, 2], state=10) == 13
    assert fold(lambda s, e: s, []) is None
