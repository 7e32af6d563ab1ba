"""What a node leaves running ends with the node: when moto stops or terminates an instance,
every process its SSM commands left running on this machine (ssm_commands: a server a script
started in the background, such as a notebook node's Jupyter) is ended, as the machine's
shutdown ends them on AWS. ``ssm_commands.end_processes()`` ends those of every node (the
harness and ``make run`` call it when they stop)."""

from __future__ import annotations

from typing import Any, Callable

from moto.ec2.models.instances import Instance

from . import ssm_commands
from ._patching import wrap_method


def _ending(original: Callable[..., Any]) -> Callable[..., Any]:
    def ended(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        ssm_commands.end_processes([self.id])
        return result
    return ended


def install() -> None:
    wrap_method(Instance, "stop", _ending)
    wrap_method(Instance, "terminate", _ending)
