"""Wiring, once per process: the concepts register their state machines with the engine and
what they hold with their containers, and the tables are pointed at this deployment's names.
app.py and the handlers call `wire()`; nothing else knows every concept."""
from __future__ import annotations

from types import ModuleType
from typing import Callable

from .clusters import commands as cluster_commands
from .clusters import machine as cluster_machine
from .clusters import reconcile as reconcile_machine
from .clusters import schedule as cluster_schedule
from .cloud import sessions
from .cron_jobs import machine as cron_machine
from .engine import registry
from .image_shares import machine as share_machine
from .jobs import commands as job_commands
from .job_templates import machine as template_machine
from .job_templates import runs as template_runs
from .jobs import machine as job_machine
from .jobs import templates as job_templates
from .identity import customers
from .identity.organizations import get_organization
from .kernel import admission, config, holds
from .kernel.listing import ListQuery
from .linking import health as link_health
from .notebooks import commands as notebook_commands
from .notebooks import machine as notebook_machine
from .notebooks import schedule as notebook_schedule
from .org_network import machine as org_network_machine
from .spend_caps import commands as spend_cap_commands
from .store import models
from .subscriptions import commands as subscription_commands
from .subscriptions import machine as subscription_machine
from .usage import summary as usage_summary
from .web import banners, onboarding, sections
from .workspaces import catalog
from .workspaces import commands as workspace_commands
from .workspaces import machine as workspace_machine


# Each concept's steps (its side effects, and the cloud adapters they use) are imported when the
# first step runs: only the worker runs steps, so the HTTP app never loads them.
def _cluster_steps(step, state):
    from .clusters import steps
    return steps.run(step, state)


def _reconciler_steps(step, state):
    from .clusters import reconciler
    return reconciler.run(step, state)


def _workspace_steps(step, state):
    from .workspaces import steps
    return steps.run(step, state)


def _share_steps(step, state):
    from .image_shares import steps
    return steps.run(step, state)


def _org_network_steps(step, state):
    from .org_network import steps
    return steps.run(step, state)


def _job_steps(step, state):
    from .jobs import steps
    return steps.run(step, state)


def _notebook_steps(step, state):
    from .notebooks import steps
    return steps.run(step, state)


def _cron_steps(step, state):
    from .cron_jobs import steps
    return steps.run(step, state)


def _subscription_steps(step, state):
    from .subscriptions import steps
    return steps.run(step, state)


def _no_steps(step, state):   # pragma: no cover - a job template never has a pending step
    raise ValueError(f"no step {step} for a job template")


def _live_clusters_in_region(org_uuid: str, region: str) -> list[str]:
    """What a region's cleanup must wait for: the clusters of the region's workspaces."""
    return [name for ws in workspace_commands.live(org_uuid) if ws.region == region
            for name in cluster_commands.live_names(org_uuid, ws.uuid)]


# The notebooks that keep a cluster in use: being made or READY (a FAILED one has no node, a
# TERMINATING one is going); they are among the live ones (not TERMINATED: the live index).
_NB = notebook_machine.NotebookStatus
_ATTACHED = frozenset(s.value for s in (_NB.NEW, _NB.INPROGRESS, _NB.READY))
_NOTEBOOKS_LIVE = frozenset(s.value for s in _NB if s != _NB.TERMINATED)


def _notebooks_on_cluster(workspace_uuid: str, cluster_uuid: str) -> list[str]:
    """What is attached to a cluster (a job run asks before it pauses it): the notebooks of
    the workspace's live ones that name it."""
    q = ListQuery(size=1000, statuses=_ATTACHED, live_statuses=_NOTEBOOKS_LIVE,
                  keep=lambda n: n.spec.cluster_uuid == cluster_uuid)
    return [n.spec.name for n in notebook_commands.list_page(workspace_uuid, q)[0]]


def _machine(machine: ModuleType, state_class: type, run: Callable,
             failed=None, not_before=None) -> registry.Machine:
    extra = {name: getattr(machine, name)
             for name in ("retrying", "live", "accepts", "container", "groups", "metered")
             if hasattr(machine, name)}
    if hasattr(machine, "CONTAINER_KIND"):
        extra["container_kind"] = machine.CONTAINER_KIND
    if failed:
        extra["failed"] = failed
    if not_before:
        extra["not_before"] = not_before
    return registry.Machine(kind=machine.KIND, state_class=state_class, evolve=machine.evolve,
                            allows=machine.allows, next_step=machine.next_step, run=run,
                            **extra)


MACHINES = (
    _machine(cluster_machine, cluster_machine.Cluster, _cluster_steps,
             failed=cluster_machine.launch_failed, not_before=cluster_schedule.not_before),
    _machine(reconcile_machine, reconcile_machine.Reconciler, _reconciler_steps,
             not_before=reconcile_machine.not_before),
    _machine(workspace_machine, workspace_machine.Workspace, _workspace_steps,
             failed=workspace_machine.creation_failed),
    _machine(share_machine, share_machine.ImageShare, _share_steps),
    _machine(notebook_machine, notebook_machine.Notebook, _notebook_steps,
             failed=notebook_machine.launch_failed, not_before=notebook_schedule.not_before),
    _machine(org_network_machine, org_network_machine.OrgNetwork, _org_network_steps,
             failed=org_network_machine.creation_failed),
    _machine(job_machine, job_machine.JobRun, _job_steps, failed=job_machine.run_failed,
             not_before=job_machine.not_before),
    _machine(template_machine, template_machine.JobTemplate, _no_steps),
    _machine(cron_machine, cron_machine.CronJob, _cron_steps,
             not_before=cron_machine.not_before),
    _machine(subscription_machine, subscription_machine.Subscription, _subscription_steps,
             not_before=subscription_machine.not_before),
)


def _linked(org_uuid: str) -> bool:
    org = get_organization(org_uuid)
    return bool(org and org.linked)


def wire() -> None:
    """Idempotent: tests and the local runner call it again after changing the environment.
    A deployed function without a setting it needs stops here, naming it."""
    config.check_deployment()
    for m in MACHINES:
        registry.register(m)
    holds.register(holds.ORGANIZATION, "workspaces", workspace_commands.live_names)
    holds.register(holds.ORGANIZATION, "clusters", cluster_commands.live_names_in_organization)
    holds.register(holds.WORKSPACE, "clusters", cluster_commands.live_names)
    holds.register(holds.WORKSPACE, "notebooks", notebook_commands.live_names)
    holds.register(holds.CLUSTER, "notebook(s)", _notebooks_on_cluster)
    job_templates.register(template_runs.complete)   # POST /v1/jobs with jobTemplateUUID
    onboarding.register("link", _linked)
    sections.register("/settings", usage_summary.TEMPLATE, usage_summary.settings_section)
    onboarding.register("cluster", cluster_commands.any_in_organization)
    onboarding.register("job", job_commands.any_succeeded)
    onboarding.register("notebook", notebook_commands.any_ready_in_organization)
    # The AWS Marketplace subscription: it starts when the customer registers, and new work
    # is refused once it failed or ended.
    customers.on_registered("subscription", subscription_commands.start)
    admission.register("subscription", subscription_commands.refusal)
    # A workspace's monthly spend cap: a warning on the organization's pages from 80%, new
    # work refused past it (the tick pauses what runs: spend_caps/enforcement.py).
    admission.register("spend cap", spend_cap_commands.refusal)
    banners.register("spend cap", spend_cap_commands.banners)
    sections.register("/settings", spend_cap_commands.TEMPLATE,
                      spend_cap_commands.settings_section)
    region = org_network_machine.REGION_CONTAINER
    holds.register(region, "clusters", _live_clusters_in_region)
    holds.register(region, "workspaces", workspace_commands.live_names_in_region)
    # A call through a customer's link that AWS refuses has the link checked at once; a link
    # that fails its check ends what was cached through it.
    sessions.watch("linking", link_health.refused)
    link_health.on_failure("catalog", catalog.forget_link)
    models.configure()
