"""Each pending workspace step as one side effect in the organization's linked account, returning
the events that say what happened. A passing AWS error is raised (the engine tries again); a
lasting one during creation ends the workspace FAILED with AWS's reason."""
from __future__ import annotations

from ..cloud import permissions, sessions
from ..cloud.sessions import call, customer_client
from ..engine.steps import Wait, runner
from ..identity import clients
from ..kernel import config
from ..kernel.errors import CloudError
from ..linking.links import link_for
from ..org_network import commands as org_network
from ..org_network import machine as n
from . import machine as w
from .machine import Step, Workspace


def _verify_access(s: Workspace, now: float) -> list:
    """Before anything is created: the role acts in the linked account and may call every
    action the platform will (IAM's policy simulation), or the workspace fails with one
    error naming all that is missing. A passing AWS error is raised (the engine retries)."""
    link = link_for(s.organization_uuid)
    account = call(customer_client(link, "sts", s.region).get_caller_identity)["Account"]
    if account != link.account_id:
        return [w.WorkspaceFailed(
            f"AccountMismatch: the role acts in account {account}, not in the linked "
            f"account {link.account_id}; link the account again in Settings", now)]
    fix = ("update the role's policy to the platform policy shown in Settings "
           "(platform-policy.json), then create the workspace again")
    try:
        missing = permissions.missing(customer_client(link, "iam", "us-east-1"), link.role_arn,
                                      s.region, s.organization_uuid,
                                      config.get().platform_account_id)
    except CloudError as e:
        if e.transient or e.code not in sessions.REFUSED_CODES:
            raise
        return [w.WorkspaceFailed(
            f"MissingPermissions: the role {link.role_arn} may not check its own permissions "
            f"(iam:SimulatePrincipalPolicy was refused: {e.reason}); {fix}", now)]
    if missing:
        return [w.WorkspaceFailed(
            f"MissingPermissions: the role {link.role_arn} lacks {len(missing)} permission(s) "
            f"the platform needs: {', '.join(missing)}; {fix}", now)]
    return [w.WorkspaceAccessVerified(account, now)]


NETWORK_POLL_SECONDS = 60     # the network wakes the workspace when done; this is the net


def _ensure_network(s: Workspace, now: float):
    """Ask for the region's organization network (made when absent) and wait until it is
    READY. A network that failed after this workspace began to wait fails the workspace with
    its reason; one that failed before is requested again."""
    net = org_network.ensure(s.organization_uuid, s.region, since=s.in_state_since,
                             waiting=org_network.waiter(w.KIND, s.organization_uuid, s.uuid))
    if net.status == n.NetworkStatus.READY:
        return [w.WorkspaceNetworkReady(n.network(net), now)]
    if net.status == n.NetworkStatus.FAILED:
        return [w.WorkspaceFailed(f"The organization's resources in {s.region} could not be "
                                  f"created: {net.failure}", now)]
    return Wait(NETWORK_POLL_SECONDS, f"organization network is {net.status.value}")


def _finish_removal(s: Workspace, now: float) -> list:
    # Nothing of the workspace's own lives in the account: the network is the
    # organization's, shared by its workspaces in the region (removed with the organization).
    # Its API keys end with it (idempotent: a retry revokes what is left).
    for key in clients.list_clients(s.organization_uuid):
        if key.workspace_uuid == s.uuid and not key.revoked:
            clients.revoke_client(s.organization_uuid, key.client_id)
    return [w.WorkspaceRemoved(now)]


run = runner({Step.VERIFY_ACCESS: _verify_access, Step.ENSURE_NETWORK: _ensure_network,
              Step.FINISH_REMOVAL: _finish_removal}, failed=w.creation_failed)
