"""Tasks: every long operation is a task NEW -> INPROGRESS -> FINISHED or FAILED, with details.

A task is carried by the aggregate whose operation it tracks (a cluster's creation or removal):
the aggregate's events move it through this table, so the two can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TypeVar


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

# Nothing grows without bound in a row (DynamoDB's items end at 400 KB): a task keeps its
# first detail line (what it set out to do) and the latest ones, counting those it let go; an
# aggregate's state carries its latest tasks (each task has its own row, read by /v1/tasks).
MAX_DETAILS = 40
KEPT_TASKS = 5

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
    details_dropped: int = 0      # detail lines let go (between the first and the latest)

    def move(self, move: TaskMove, detail: str | None, at: float) -> "Task":
        if self.status in TERMINAL:
            # A finished task only collects late details (cleanup after a failure, say).
            status = self.status
        else:
            status = TRANSITIONS[(self.status, move)]
        details, dropped = self.details + ((detail,) if detail else ()), self.details_dropped
        if len(details) > MAX_DETAILS:
            over = len(details) - MAX_DETAILS
            details, dropped = details[:1] + details[1 + over:], dropped + over
        return replace(self, status=status, details=details, details_dropped=dropped,
                       updated_at=at)

    @property
    def shown_details(self) -> tuple[str, ...]:
        """The details as a reader sees them: where lines were let go, a line says how many."""
        if not self.details_dropped:
            return self.details
        return (self.details[:1] + (f"... {self.details_dropped} earlier detail line(s) "
                                    f"not kept ...",) + self.details[1:])


C = TypeVar("C", bound="CarriesTasks")


class CarriesTasks:
    """Mixin for an aggregate's frozen state that carries its tasks, the open one last."""

    tasks: tuple[Task, ...]

    @property
    def task(self) -> Task | None:
        return self.tasks[-1] if self.tasks else None

    def open_task(self: C, task_uuid: str, operation: str, at: float, ends_open: str,
                  details: tuple[str, ...] = (), keep: int = KEPT_TASKS) -> C:
        """Start a new task (the last one). A task still open before it fails with
        `ends_open` (a removal cancels a creation, a newer request supersedes an older one).
        `keep`: how many of the latest tasks the state carries (every task has its own row)."""
        s = self
        if s.task is not None and s.task.status not in TERMINAL:
            s = s.with_task(TaskMove.FAIL, ends_open, at)
        task = Task(task_uuid, operation, getattr(self, "uuid"), created_at=at, updated_at=at,
                    details=details)
        tasks = s.tasks + (task,)
        return replace(s, tasks=tasks[-keep:])

    def with_task(self: C, move: TaskMove, detail: str | None, at: float) -> C:
        """Move the last task (a state without tasks is returned as it is)."""
        if not self.tasks:
            return self
        return replace(self, tasks=self.tasks[:-1] + (self.tasks[-1].move(move, detail, at),))
