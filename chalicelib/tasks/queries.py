"""Reading tasks: each has its own row (task#<uuid>) in the scope of the aggregate it tracks
(a workspace for clusters, the organization for workspaces and AMI shares)."""
from __future__ import annotations

from ..kernel.state import load
from ..kernel.task import Task
from ..store import aggregates

KIND = "task"


def list_tasks(scope: str, resources: set[str] = frozenset(),
               statuses: set[str] = frozenset()) -> list[Task]:
    """The scope's tasks, oldest first, only for `resources` / in `statuses` when given."""
    found = [t for t in (load(Task, r.state) for r in aggregates.list_rows(KIND, scope))
             if (not resources or t.resource_uuid in resources)
             and (not statuses or t.status.value in statuses)]
    return sorted(found, key=lambda t: t.created_at)


def get_task(scope: str, task_uuid: str) -> Task | None:
    row = aggregates.get(KIND, scope, task_uuid)
    return load(Task, row.state) if row else None
