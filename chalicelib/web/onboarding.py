"""The Onboarding list on the home page: link the AWS account, create a cluster, attach a
notebook, run a job, each turning green once done. The concept that knows whether a step is
done registers a check at wiring time (as kernel.holds does), so the home page asks without
importing the concepts above it; a step no concept checks yet is shown as not done."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

Check = Callable[[str], bool]   # organization uuid -> done


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    href: str
    done: bool = False


STEPS = (
    ("link", "Link your AWS account", "/settings"),
    ("cluster", "Create a cluster", "/clusters"),
    ("notebook", "Attach a notebook to a cluster", "/notebooks"),
    ("job", "Run a job", "/jobs"),
)
_checks: dict[str, Check] = {}


def register(key: str, check: Check) -> None:
    if key not in {k for k, _, _ in STEPS}:
        raise ValueError(f"no onboarding step {key}")
    _checks[key] = check


def steps(org_uuid: str) -> list[Step]:
    """The list in order, each with whether it is done."""
    return [Step(key, title, href, bool(_checks[key](org_uuid)) if key in _checks else False)
            for key, title, href in STEPS]
