"""The registry of state machines the engine drives, by kind (the prefix of stream keys)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .lifecycle import cluster, image_share, workspace


@dataclass(frozen=True)
class Machine:
    kind: str
    load: Callable[[dict], Any]
    dump: Callable[[Any], dict]
    evolve: Callable[[Any, Any], Any]
    allows: Callable[[Any, Any], bool]
    next_step: Callable[[Any], Any]
    tasks: Callable[[Any], tuple]
    run: Callable[[Any, Any], Any]          # (step, state) -> [events] | engine.Wait


def _run_cluster_step(step, state):
    from . import cluster_steps  # imports boto3 adapters; kept out of the pure registry's import
    return cluster_steps.run(step, state)


def _run_workspace_step(step, state):
    from . import workspace_steps  # boto3 adapters, as above
    return workspace_steps.run(step, state)


def _run_image_share_step(step, state):
    from . import image_share_steps  # boto3 adapters, as above
    return image_share_steps.run(step, state)


MACHINES: dict[str, Machine] = {
    "cluster": Machine(
        kind="cluster",
        load=cluster.Cluster.from_dict,
        dump=lambda c: c.to_dict(),
        evolve=cluster.evolve,
        allows=cluster.allows,
        next_step=cluster.next_step,
        tasks=lambda c: c.tasks,
        run=_run_cluster_step,
    ),
    "imageshare": Machine(
        kind="imageshare",
        load=image_share.ImageShare.from_dict,
        dump=lambda s: s.to_dict(),
        evolve=image_share.evolve,
        allows=image_share.allows,
        next_step=image_share.next_step,
        tasks=lambda s: s.tasks,
        run=_run_image_share_step,
    ),
    "workspace": Machine(
        kind="workspace",
        load=workspace.Workspace.from_dict,
        dump=lambda w: w.to_dict(),
        evolve=workspace.evolve,
        allows=workspace.allows,
        next_step=workspace.next_step,
        tasks=lambda w: w.tasks,
        run=_run_workspace_step,
    ),
}
