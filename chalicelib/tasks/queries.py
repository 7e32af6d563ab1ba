"""Reading tasks: each has its own row (task#<uuid>) in the scope of the aggregate it tracks
(a workspace for clusters, the organization for workspaces and AMI shares)."""
from __future__ import annotations

from ..kernel.state import load
from ..kernel.task import Task
from ..kernel.listing import ListQuery
from ..store import aggregates, lists

KIND = "task"


def list_page(scope: str, q: ListQuery) -> tuple[list[Task], int]:
    """One page of the scope's tasks (oldest first unless q.descending) and how many match."""
    return lists.list_page(KIND, scope, q, lambda data: load(Task, data))


def query(resources: set[str], statuses: set[str], number: int, size: int,
          descending: bool = False) -> ListQuery:
    return ListQuery(number=number, size=size, descending=descending,
                     statuses=frozenset(statuses),
                     keep=(lambda t: t.resource_uuid in resources) if resources else None)


def get_task(scope: str, task_uuid: str) -> Task | None:
    row = aggregates.get(KIND, scope, task_uuid)
    return load(Task, row.state) if row else None
