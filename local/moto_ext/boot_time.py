"""Instances that take time to boot, as on AWS (moto's are ``running`` and, through
``ssm_instance_information``, online in SSM the moment they are launched).

Off by default. ``booting(seconds, clock)`` (or ``configure``) makes every instance launched
from then on report ``pending`` in DescribeInstances for the first half of `seconds`, then
``running``, and be listed by SSM DescribeInstanceInformation only once `seconds` have passed:
a node on AWS runs a while before its SSM agent registers. Time is read from `clock` (the
harness passes its fake clock), so a test moves through a boot without waiting.

Only what is reported changes: moto's own state (its filters, stop, terminate) is untouched,
and an instance that moto stops or terminates reports that at once.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Iterator

from moto.ec2.models.instances import Instance, InstanceState

from ._patching import is_patched

_settings: dict[str, Any] = {"seconds": 0.0, "clock": time.time}
_LAUNCHED = "_corral_launched_at"


def configure(seconds: float, clock: Callable[[], float] | None = None) -> None:
    """Instances launched from now on take `seconds` to boot (0: at once, moto's way)."""
    _settings["seconds"] = float(seconds)
    _settings["clock"] = clock or time.time


@contextlib.contextmanager
def booting(seconds: float, clock: Callable[[], float] | None = None) -> Iterator[None]:
    configure(seconds, clock)
    try:
        yield
    finally:
        configure(0)


def _booted_for(instance: Any) -> float | None:
    """Seconds since the instance was launched, if it was launched booting."""
    launched = getattr(instance, _LAUNCHED, None)
    return None if launched is None else _settings["clock"]() - launched[0]


def registered(instance: Any) -> bool:
    """Whether the instance's SSM agent has registered (its boot is over)."""
    since = _booted_for(instance)
    return since is None or since >= getattr(instance, _LAUNCHED)[1]


def _instance_state(self: Any) -> InstanceState:
    state = self._state
    since = _booted_for(self)
    if state.name == "running" and since is not None and since < getattr(self, _LAUNCHED)[1] / 2:
        return InstanceState("pending", 0)
    return state


def _make_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if _settings["seconds"] > 0:
            setattr(self, _LAUNCHED, (_settings["clock"](), _settings["seconds"]))
    __init__.__corral_patch__ = True  # type: ignore[attr-defined]
    return __init__


def install() -> None:
    if is_patched(Instance, "__init__"):
        return
    Instance.__init__ = _make_init(Instance.__init__)  # type: ignore[method-assign]
    reported = property(_instance_state)
    reported.fget.__corral_patch__ = True  # type: ignore[union-attr]
    Instance.instance_state = reported  # type: ignore[method-assign, assignment]
