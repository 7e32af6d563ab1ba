"""Organization-network commands and reads: `ensure` (a workspace or a cluster needs the
region: request it if absent, read how it stands), `get`, and `cleanup` (remove the region's
resources, refused while something still lives there).

What lives in a region is registered at wiring time with kernel.holds under the container
REGION_CONTAINER (bootstrap: the workspaces of the region and their clusters), so this concept
refuses a cleanup without importing the concepts above it."""
from __future__ import annotations

from ..engine import driver as engine
from ..identity.organizations import get_organization
from ..kernel import clock, holds
from ..kernel.errors import DomainError
from ..kernel.ids import new_uuid
from ..kernel.regions import REGIONS
from ..kernel.state import load
from ..kernel.task import Task
from ..store import aggregates
from . import machine as m
from .machine import KIND, OrgNetwork


def get(org_uuid: str, region: str) -> OrgNetwork | None:
    row = aggregates.get(KIND, org_uuid, m.network_uuid(org_uuid, region))
    return load(OrgNetwork, row.state) if row else None


def waiter(kind: str, scope: str, uuid: str) -> str:
    return f"{kind}/{scope}/{uuid}"


def ensure(org_uuid: str, region: str, since: float | None = None,
           waiting: str = "") -> OrgNetwork:
    """The region's network, requested first when there is none (or it was cleaned up, or it
    failed before `since`). Returns its state: READY carries `machine.network(state)`.
    `waiting` (`waiter(kind, scope, uuid)`): the aggregate to wake when it is done."""
    uuid, task_uuid = m.network_uuid(org_uuid, region), new_uuid()
    return engine.execute(KIND, org_uuid, uuid, lambda state: m.decide_request(
        state, org_uuid, region, task_uuid, clock.now(), since, waiting),
        busy="The organization network is changing too fast right now; try again.").state


class RegionInUse(DomainError):
    """A cleanup refused: `held` names what still lives in the region."""

    def __init__(self, region: str, held: dict[str, list[str]]):
        listed = "; ".join(f"{what}: {', '.join(sorted(names))}"
                           for what, names in sorted(held.items()))
        super().__init__(
            f"The organization's resources in {region} cannot be cleaned up while something "
            f"still lives there ({listed}). Remove every cluster in {region} (FAILED ones "
            f"included) and wait until they are TERMINATED, remove the workspaces of "
            f"{region}, then try again.", "region")
        self.held = held


def cleanup(org_uuid: str, region: str) -> Task:
    """Start removing the organization's resources in `region`; the task that does it.

    Refused (RegionInUse, a 409) while the region holds clusters that are not TERMINATED
    (FAILED ones included: the cleanup would leave them out of the platform's reach) or
    workspaces that are not TERMINATED: a workspace carries the network it was made with, and
    its next cluster would launch into deleted subnets. Remove them first; a workspace made
    after the cleanup creates the network afresh. A cleanup already under way answers its
    own task; one asked again after it finished looks again (a no-op when nothing is left).
    """
    if region not in REGIONS:
        raise ValueError(f"unsupported region {region!r}")
    org = get_organization(org_uuid)
    if org is None or not org.linked:
        raise DomainError("No AWS account is linked to this organization: there is nothing of "
                          "it to clean up. Link the account in Settings first.", "region")
    held = holds.held(m.REGION_CONTAINER, org_uuid, region)
    if held:
        raise RegionInUse(region, held)
    uuid, task_uuid = m.network_uuid(org_uuid, region), new_uuid()
    state = engine.execute(KIND, org_uuid, uuid, lambda s: m.decide_cleanup(
        s, org_uuid, region, task_uuid, clock.now()),
        busy="The organization network is changing too fast right now; try again.").state
    return state.task
