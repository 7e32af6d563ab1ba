"""The registry of state machines the engine drives, by kind (the prefix of stream keys).

Each kind pairs a pure lifecycle module (evolve, allows, next_step and a state class with
to_dict/from_dict/tasks) with the module that runs its steps against AWS. The steps module is
imported only when a step runs, so importing the registry pulls in no boto3 adapters."""
from __future__ import annotations

import importlib
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
    # (state, step, reason, at) -> events recording why a failed step waits (may be none)
    retrying: Callable[[Any, Any, str, float], list]


def _machine(kind: str, lifecycle, state_class, steps_module: str) -> Machine:
    def run(step, state):
        return importlib.import_module(f"{__package__}.{steps_module}").run(step, state)

    return Machine(kind=kind, load=state_class.from_dict, dump=lambda s: s.to_dict(),
                   evolve=lifecycle.evolve, allows=lifecycle.allows,
                   next_step=lifecycle.next_step, tasks=lambda s: s.tasks, run=run,
                   retrying=getattr(lifecycle, "retrying", lambda *_: []))


MACHINES: dict[str, Machine] = {m.kind: m for m in (
    _machine("cluster", cluster, cluster.Cluster, "cluster_steps"),
    _machine("imageshare", image_share, image_share.ImageShare, "image_share_steps"),
    _machine("workspace", workspace, workspace.Workspace, "workspace_steps"),
)}
