"""A job template: a small event-sourced record in its workspace's scope. ACTIVE from its
creation, updated in place (PATCH), DELETED for good; nothing runs in the customer's account
for it, so it never has a pending step. Its config is kept in the shape jobs take on the wire
(`jobConfig` keys, the source wrapped as {"type", "sourceDef"}), checked by jobs' own parser
when it is written."""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from ..kernel import table
from ..kernel.errors import DomainError
from ..kernel.events import event
from ..kernel.state import dump, load
from ..kernel.task import CarriesTasks, Task

KIND = "job_template"


class TemplateStatus(str, Enum):
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"


S = TemplateStatus


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    description: str
    config: dict                   # jobConfig keys, checked by jobs' parser
    cluster_config: dict | None    # a job-dedicated cluster's create keys, as given


@event
class TemplateCreated:
    template_uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: dict
    created_by: str
    at: float


@event
class TemplateUpdated:
    spec: dict
    at: float


@event
class TemplateDeleted:
    by: str
    at: float


@dataclass(frozen=True)
class JobTemplate(CarriesTasks):
    uuid: str
    workspace_uuid: str
    organization_uuid: str
    spec: TemplateSpec
    status: TemplateStatus
    created_by: str
    created_at: float
    updated_at: float
    in_state_since: float
    tasks: tuple[Task, ...] = ()


TRANSITIONS: dict[tuple[TemplateStatus | None, type], TemplateStatus] = {
    (None, TemplateCreated): S.ACTIVE,
    (S.ACTIVE, TemplateUpdated): S.ACTIVE,
    (S.ACTIVE, TemplateDeleted): S.DELETED,
}


def allows(state: JobTemplate | None, e: Any) -> bool:
    return table.allowed(TRANSITIONS, state, e)


def evolve(state: JobTemplate | None, e: Any) -> JobTemplate:
    status = table.target(TRANSITIONS, state, e)
    if isinstance(e, TemplateCreated):
        return JobTemplate(uuid=e.template_uuid, workspace_uuid=e.workspace_uuid,
                           organization_uuid=e.organization_uuid,
                           spec=load(TemplateSpec, e.spec), status=status,
                           created_by=e.created_by, created_at=e.at, updated_at=e.at,
                           in_state_since=e.at)
    assert state is not None
    if isinstance(e, TemplateUpdated):
        return table.stamp(state, replace(state, spec=load(TemplateSpec, e.spec)), status, e.at)
    return table.stamp(state, state, status, e.at)


def decide_create(template_uuid: str, workspace_uuid: str, organization_uuid: str,
                  spec: TemplateSpec, created_by: str, at: float) -> list:
    return [TemplateCreated(template_uuid, workspace_uuid, organization_uuid, dump(spec),
                            created_by, at)]


def decide_update(s: JobTemplate, spec: TemplateSpec, at: float) -> list:
    if s.status != S.ACTIVE:
        raise DomainError(f"Job template {s.spec.name} was deleted.")
    return [] if spec == s.spec else [TemplateUpdated(dump(spec), at)]


def decide_delete(s: JobTemplate, by: str, at: float) -> list:
    if s.status != S.ACTIVE:
        raise DomainError(f"Job template {s.spec.name} was deleted.")
    return [TemplateDeleted(by, at)]


def next_step(s: JobTemplate) -> None:
    """A template waits for nothing: no step ever."""
    return None


def live(s: JobTemplate) -> bool:
    return s.status == S.ACTIVE
