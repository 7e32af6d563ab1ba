"""Tasks: every long operation is a task NEW -> INPROGRESS -> FINISHED or FAILED, with details.

A task is carried by the aggregate whose operation it tracks (a cluster's creation or removal):
the aggregate's events move it through this table, so the two can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TypeVar
from enum import Enum


class TaskStatus(str, Enum):
    NEW = "NEW"
    INPROGRESS = "INPROGRESS"
    FINISHED = "FINISHED"
    FAILED = "FAILED"


class TaskMove(str, Enum):
    """What an aggregate's event does to its open task."""

    START = "START"        # first real work began
    PROGRESS = "PROGRESS"  # a step finished; add a detail line
    FINISH = "FINISH"
    FAIL = "FAIL"


TERMINAL = frozenset({TaskStatus.FINISHED, TaskStatus.FAILED})

# (status, move) -> new status. PROGRESS on a NEW task starts it: the first step is the start.
TRANSITIONS: dict[tuple[TaskStatus, TaskMove], TaskStatus] = {
    (TaskStatus.NEW, TaskMove.START): TaskStatus.INPROGRESS,
    (TaskStatus.NEW, TaskMove.PROGRESS): TaskStatus.INPROGRESS,
    (TaskStatus.NEW, TaskMove.FINISH): TaskStatus.FINISHED,
    (TaskStatus.NEW, TaskMove.FAIL): TaskStatus.FAILED,
    (TaskStatus.INPROGRESS, TaskMove.START): TaskStatus.INPROGRESS,
    (TaskStatus.INPROGRESS, TaskMove.PROGRESS): TaskStatus.INPROGRESS,
    (TaskStatus.INPROGRESS, TaskMove.FINISH): TaskStatus.FINISHED,
    (TaskStatus.INPROGRESS, TaskMove.FAIL): TaskStatus.FAILED,
}


@dataclass(frozen=True)
class Task:
    uuid: str
    operation: str          # e.g. CREATE_CLUSTER, REMOVE_CLUSTER
    resource_uuid: str
    status: TaskStatus = TaskStatus.NEW
    details: tuple[str, ...] = field(default_factory=tuple)
    created_at: float = 0.0
    updated_at: float = 0.0

    def move(self, move: TaskMove, detail: str | None, at: float) -> "Task":
        if self.status in TERMINAL:
            # A finished task only collects late details (cleanup after a failure, say).
            status = self.status
        else:
            status = TRANSITIONS[(self.status, move)]
        details = self.details + ((detail,) if detail else ())
        return replace(self, status=status, details=details, updated_at=at)

    def to_dict(self) -> dict:
        return {
            "uuid": self.uuid,
            "operation": self.operation,
            "resource_uuid": self.resource_uuid,
            "status": self.status.value,
            "details": list(self.details),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Task":
        return cls(
            uuid=d["uuid"],
            operation=d["operation"],
            resource_uuid=d["resource_uuid"],
            status=TaskStatus(d["status"]),
            details=tuple(d.get("details", ())),
            created_at=d.get("created_at", 0.0),
            updated_at=d.get("updated_at", 0.0),
        )


C = TypeVar("C", bound="CarriesTasks")


class CarriesTasks:
    """Mixin for an aggregate's frozen state that carries its tasks, the open one last."""

    tasks: tuple[Task, ...]

    @property
    def task(self) -> Task | None:
        return self.tasks[-1] if self.tasks else None

    def with_task(self: C, move: TaskMove, detail: str | None, at: float) -> C:
        """Move the last task (a state without tasks is returned as it is)."""
        if not self.tasks:
            return self
        return replace(self, tasks=self.tasks[:-1] + (self.tasks[-1].move(move, detail, at),))
