"""Job-run commands and reads: submit, get, list, cancel. Each decides on the current state,
then commits through the engine, which appends and enqueues the step that follows. Runs live
in their workspace's scope; the cluster is reached through the clusters concept's public
surface."""
from __future__ import annotations

from dataclasses import replace

from ..clusters import commands as clusters
from ..clusters.machine import ClusterStatus
from ..engine import driver as engine
from ..kernel import admission, clock
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.listing import ListQuery
from ..kernel.state import dump, load
from ..store import aggregates, lists
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace
from . import machine as j
from . import secrets, sources
from .machine import KIND, JobRun, RunSpec

BUSY = "The job run is changing too fast right now; try again."


def submit(ws: Workspace, spec: RunSpec, cluster_config: dict | None = None,
           git: tuple[str, str] | None = None, run_uuid: str | None = None) -> JobRun | None:
    """A run on one of the workspace's clusters (None: there is no such cluster), or, with
    `cluster_config` (the SDK's create keys), on a cluster made for it and removed after it:
    checked now, created by the run's own step under a uuid made from the run's (so the run
    is written first, and a crash anywhere leaves at most that one cluster, which the run
    removes). A cluster that is removed or failed is refused; one on its way is waited for;
    at most MAX_QUEUE runs wait for one cluster. `git`: (username, token) of a private
    repository: the token is written to the customer's Parameter Store (secrets.py) and only
    its name is kept, deleted again when the run ends (or at once if the run could not be
    written). `run_uuid`, when the caller names the run (a cron job's run for one scheduled
    time), makes the submission idempotent: a run of that uuid is made once (a conditional
    write), and found after. Refused while no new work may start in the workspace
    (kernel.admission: the organization's subscription ended, or the workspace's spend cap
    is reached)."""
    if run_uuid is not None:
        made = get(ws.uuid, run_uuid)
        if made is not None:
            return made
    run_uuid, task_uuid = run_uuid or new_uuid(), new_uuid()
    admission.require(ws.organization_uuid, ws.uuid, "job runs")
    if cluster_config is not None:
        planned = clusters.plan_for_job(ws, cluster_config, spec.name)
        cluster = clusters.planned(ws, planned, clusters.job_cluster_uuid(run_uuid))
        spec = replace(spec, cluster_uuid=cluster.uuid, dedicated=True,
                       cluster_spec=dump(planned))
    else:
        cluster = _usable_cluster(ws, spec.cluster_uuid)
        if cluster is None:
            return None
    spec = replace(spec, region=cluster.spec.region)
    if spec.source.type == "S3":
        sources.check_s3(cluster, spec.source.location)
    stored = None
    if git is not None:
        stored = secrets.store_git_token(cluster, run_uuid, git[1])
        spec = replace(spec, source=replace(spec.source, credentials=stored, username=git[0]))
    events = j.decide_submit(run_uuid, ws.uuid, ws.organization_uuid, spec, task_uuid,
                             clock.now())
    try:
        return engine.create(KIND, ws.uuid, run_uuid, events).state
    except Exception:
        # No run to clean up after it later: what was made for it goes now.
        if stored:
            secrets.delete(cluster, stored)
        raise


def _usable_cluster(ws: Workspace, cluster_uuid: str):
    cluster = clusters.get(ws.uuid, cluster_uuid)
    if cluster is None:
        return None
    if cluster.status in (ClusterStatus.TERMINATING, ClusterStatus.TERMINATED,
                          ClusterStatus.FAILED):
        raise DomainError(f"Cluster {cluster.spec.name} is {cluster.status.value}: jobs run "
                          f"on a cluster that is RUNNING or on its way.", field="clusterUUID")
    if len(live_on(ws.uuid, cluster.uuid)) >= j.MAX_QUEUE:
        raise DomainError(f"Cluster {cluster.spec.name} has {j.MAX_QUEUE} job runs in line "
                          f"already: wait for some to end.", field="clusterUUID")
    return cluster


def any_succeeded(org_uuid: str) -> bool:
    """Whether a job of the organization has run to its end (the Onboarding step): its
    workspaces' latest runs are read, not their history."""
    latest = ListQuery(number=1, size=20, descending=True)
    return any(r.status == j.S.SUCCEEDED for ws in workspaces.live(org_uuid)
               for r in list_page(ws.uuid, latest)[0])


def get(workspace_uuid: str, run_uuid: str) -> JobRun | None:
    row = aggregates.get(KIND, workspace_uuid, run_uuid)
    return load(JobRun, row.state) if row else None


def list_page(workspace_uuid: str, q: ListQuery) -> tuple[list[JobRun], int]:
    return lists.list_page(KIND, workspace_uuid, q, lambda data: load(JobRun, data))


def from_template(workspace_uuid: str, template_uuid: str, limit: int) -> list[JobRun]:
    """The latest `limit` runs of a job template, in the order they were submitted (one
    Query of the runs filed under it, one batched read)."""
    return [load(JobRun, r.state) for r in aggregates.group_rows(
        KIND, workspace_uuid, j.template_group(template_uuid), limit)]


def live_on(workspace_uuid: str, cluster_uuid: str) -> list[JobRun]:
    """The runs of a cluster that have not ended, in the order they were submitted (read from
    the workspace's live runs)."""
    q = ListQuery(number=1, size=j.MAX_QUEUE * 10, statuses=j.LIVE_STATUSES,
                  live_statuses=j.LIVE_STATUSES,
                  keep=lambda r: r.spec.cluster_uuid == cluster_uuid)
    return list_page(workspace_uuid, q)[0]


def cancel(workspace_uuid: str, run_uuid: str, by: str) -> JobRun | None:
    """Cancel the run: at once if it has not started, else its command is cancelled."""
    return engine.execute(KIND, workspace_uuid, run_uuid,
                          lambda s: [] if s is None else j.decide_cancel(s, by, clock.now()),
                          busy=BUSY).state
