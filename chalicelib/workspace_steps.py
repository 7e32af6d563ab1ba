"""Each pending workspace step as one side effect in the organization's linked account, returning
the events that say what happened. A passing AWS error is raised (the engine tries again); a
lasting one during creation ends the workspace FAILED with AWS's reason."""
from __future__ import annotations

from . import clock
from .cloud import network
from .cloud.errors import CloudError
from .cloud.sessions import call, customer_client
from .lifecycle import workspace as w
from .lifecycle.workspace import Step, Workspace
from .linking import link_for


def run(step: Step, s: Workspace) -> list:
    now = clock.now()
    if step == Step.FINISH_REMOVAL:
        # Nothing of the workspace's own lives in the account: the network is the
        # organization's, shared by its workspaces in the region (removed with the organization).
        return [w.WorkspaceRemoved(now)]
    try:
        link = link_for(s.organization_uuid)
        if step == Step.VERIFY_ACCESS:
            sts = customer_client(link, "sts", s.region)
            account = call(sts.get_caller_identity)["Account"]
            if account != link.account_id:
                return [w.WorkspaceFailed(
                    f"AccountMismatch: the role acts in account {account}, not in the linked "
                    f"account {link.account_id}; link the account again in Settings", now)]
            return [w.WorkspaceAccessVerified(account, now)]
        if step == Step.ENSURE_NETWORK:
            n = network.ensure(customer_client(link, "ec2", s.region), s.organization_uuid)
            return [w.WorkspaceNetworkReady(n.vpc_id, n.subnet_id, n.security_group_id, now)]
    except CloudError as e:
        if e.transient:
            raise
        return [w.WorkspaceFailed(e.reason, now)]
    raise ValueError(f"no runner for step {step}")  # pragma: no cover
