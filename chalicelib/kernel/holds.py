"""What still lives inside a container: an organization's linked account holds its
workspaces, a workspace holds its clusters (and later notebooks, jobs). The concept that lives
inside registers, at wiring time, a query naming what it still holds; the container asks
before it lets itself be removed, without importing the concepts inside it."""
from __future__ import annotations

from typing import Callable

ORGANIZATION = "organization"   # what lives in the organization's linked account
WORKSPACE = "workspace"         # what lives in a workspace
CLUSTER = "cluster"             # what is attached to a cluster (notebooks): its holders are
                                # asked with (workspace uuid, cluster uuid)

Holder = Callable[[str, str], list[str]]   # (organization uuid, container uuid) -> names

_holders: dict[str, dict[str, Holder]] = {}


def register(container: str, what: str, holder: Holder) -> None:
    """`holder(org_uuid, container_uuid)` names the `what` still alive in the container."""
    _holders.setdefault(container, {})[what] = holder


def held(container: str, org_uuid: str, container_uuid: str) -> dict[str, list[str]]:
    """{what: names} for everything still alive in the container (empty when nothing is)."""
    found = {what: holder(org_uuid, container_uuid)
             for what, holder in _holders.get(container, {}).items()}
    return {what: names for what, names in found.items() if names}
