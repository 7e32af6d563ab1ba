"""Reply shapes of the kernel's own types, shown by every concept: tasks."""
from __future__ import annotations

from ..kernel.task import Task
from ..kernel.times import iso


def render_task(t: Task) -> dict:
    return {"uuid": t.uuid, "operation": t.operation, "resourceUUID": t.resource_uuid,
            "status": t.status.value, "details": list(t.shown_details),
            "createdAt": iso(t.created_at), "updatedAt": iso(t.updated_at)}
