"""A private repository's git token: written to the customer's Parameter Store under the
organization's prefix (cloud/org_secrets.py) when the run is submitted, read on the head node
by the run's script with the node role, deleted when the run ends. Corral's own tables,
messages and logs only ever hold its name."""
from __future__ import annotations

from ..cloud import org_secrets
from ..cloud import tags as t
from ..cloud.sessions import customer_client
from ..clusters.machine import Cluster
from ..linking.links import link_for
from ..org_network import machine as org_net


def name(cluster: Cluster, run_uuid: str) -> str:
    prefix = (cluster.network or {}).get("secrets_prefix") or org_net.secrets_prefix(
        cluster.organization_uuid)
    return f"{prefix}jobs/{run_uuid}/git-token"


def _ssm(organization_uuid: str, region: str):
    return customer_client(link_for(organization_uuid), "ssm", region)


def store_git_token(cluster: Cluster, run_uuid: str, token: str) -> str:
    parameter = name(cluster, run_uuid)
    org_secrets.put(_ssm(cluster.organization_uuid, cluster.spec.region), parameter, token,
                    {t.ORG: cluster.organization_uuid, t.WORKSPACE: cluster.workspace_uuid,
                     t.CLUSTER: cluster.uuid, "corral:job-run": run_uuid},
                    f"Corral job run {run_uuid}: the git token its head node clones with")
    return parameter


def delete(cluster: Cluster, parameter: str) -> None:
    delete_in(cluster.organization_uuid, cluster.spec.region, parameter)


def delete_in(organization_uuid: str, region: str, parameter: str) -> None:
    org_secrets.delete(_ssm(organization_uuid, region), parameter)
