"""The steps of a notebook's public entry point (cloud/entry_point.py): a CloudFront VPC
origin on the node and a distribution in front of it, made once Jupyter answers on the node
(the origin's port is the one Jupyter reported), and removed after the node.

Creation: the VPC origin, waited for until Deployed; Jupyter's port of the node's own group
opened to CloudFront's VPC origins group (which CloudFront makes in the VPC with the first
VPC origin); the distribution, waited for until Deployed; the last probe: Jupyter's API
answering, with the notebook's token, through the entry point, as a browser reaches it.
Removal: the distribution disabled, deleted once that is deployed, then the VPC origin
deleted and waited for until gone. Each step looks up what a step cut short may have made
(by name, by comment) before it makes or deletes anything; a resource gone already is done.
CloudFront changes take minutes: a wait first looks `deploy_seconds` after the change
(kernel/config.py), then every `poll_seconds`; a creation that never deploys fails the
launch after machine.DEPLOY_TIMEOUT_SECONDS, a removal is never given up."""
from __future__ import annotations

from ..cloud import entry_point, notebook_node
from ..cloud.sessions import customer_client
from ..engine.steps import Wait
from ..kernel import config
from ..linking.links import link_for
from . import machine as m
from .machine import Notebook, Step
from .resources import entry_tags
from .tokens import token


def _cloudfront(s: Notebook):
    """CloudFront is global: its client is always us-east-1's, whatever the node's region."""
    return customer_client(link_for(s.organization_uuid), "cloudfront", entry_point.REGION)


def _ec2(s: Notebook):
    return customer_client(link_for(s.organization_uuid), "ec2", s.spec.region)


def _poll() -> float:
    return max(config.get().poll_seconds, 1)


def _not_yet(since: float | None, now: float, what: str) -> Wait | None:
    """A Wait until a change made at `since` may be deployed (None: look now)."""
    first = (since if since is not None else now) + config.get().deploy_seconds
    return Wait(first - now, what) if now < first else None


# ---- creation ------------------------------------------------------------------------------

def _create_vpc_origin(s: Notebook, now: float) -> list:
    arn = entry_point.instance_arn(s.spec.region, link_for(s.organization_uuid).account_id,
                                   s.instance_id)
    found = entry_point.ensure_vpc_origin(_cloudfront(s), s.uuid, arn, s.port, entry_tags(s))
    return [m.VpcOriginCreated(found, s.port, now)]


def _await_deployed(what: str, since: float | None, now: float, read, deployed_event):
    """Wait for a change made at `since` to deploy: first a typical deployment's time, then
    a look every poll; the launch fails when it is gone, failed, or overdue."""
    wait = _not_yet(since, now, f"{what} deploying")
    if wait:
        return wait
    found = read()
    if found is None:
        return [m.NotebookFailed(f"{what} is gone (deleted outside Corral?)", now)]
    if found.deployed:
        return [deployed_event]
    if found.status.lower() == "failed":
        return [m.NotebookFailed(f"{what} failed to deploy", now)]
    if m.deploy_overdue(since, now):
        return [m.NotebookFailed(f"{what} still {found.status} after "
                                 f"{m.DEPLOY_TIMEOUT_SECONDS // 60} minutes", now)]
    return Wait(_poll(), f"{what} is {found.status}")


def _await_vpc_origin(s: Notebook, now: float):
    return _await_deployed(f"VPC origin {s.vpc_origin_id}", s.vpc_origin_at, now,
                           lambda: entry_point.vpc_origin(_cloudfront(s), s.vpc_origin_id),
                           m.VpcOriginDeployed(now))


def _admit_cloudfront(s: Notebook, now: float):
    if not s.group_id:
        return [m.NotebookFailed("the node has no security group of its own (it was launched "
                                 "before notebooks had entry points): remove the notebook and "
                                 "create it again", now)]
    vpc = (s.network or {}).get("vpc_id", "")
    cloudfront = notebook_node.admit_cloudfront(_ec2(s), s.group_id, vpc, s.port)
    if cloudfront is not None:
        return [m.CloudFrontAdmitted(cloudfront, s.port, now)]
    if m.deploy_overdue(s.vpc_origin_at, now):
        return [m.NotebookFailed(f"CloudFront made no {notebook_node.CLOUDFRONT_GROUP} in {vpc} "
                                 f"for its VPC origin", now)]
    return Wait(_poll(), f"CloudFront has not made {notebook_node.CLOUDFRONT_GROUP} in {vpc} yet")


def _create_distribution(s: Notebook, now: float) -> list:
    domain = notebook_node.private_dns_name(_ec2(s), s.instance_id) or s.private_ip
    found = entry_point.ensure_distribution(_cloudfront(s), s.uuid, s.vpc_origin_id, domain,
                                            entry_tags(s))
    return [m.DistributionCreated(found.id, found.domain, now)]


def _await_distribution(s: Notebook, now: float):
    return _await_deployed(f"distribution {s.distribution_id}", s.distribution_at, now,
                           lambda: entry_point.distribution(_cloudfront(s), s.distribution_id),
                           m.DistributionDeployed(now))


def _probe_entry(s: Notebook, now: float):
    """Jupyter's API, with the notebook's token, through the entry point: the way a browser
    comes in (the token in a header: it is in no URL any log keeps)."""
    address = entry_point.url(s.domain)
    status, said = entry_point.get(address + "api/status",
                                   {"Authorization": f"token {token(s.uuid)}"})
    if status == 200:
        return [m.NotebookReady(address, f"Jupyter answers through the entry point {address}",
                                now)]
    what = f"answered {status}: {said[:200]}" if status else f"did not answer: {said[:200]}"
    if m.entry_overdue(s, now):
        return [m.NotebookFailed(f"Jupyter never answered through the entry point {address} "
                                 f"({what})", now)]
    return Wait(_poll(), f"the entry point {address} {what}")


# ---- removal -------------------------------------------------------------------------------

def _disable_distribution(s: Notebook, now: float) -> list:
    cloudfront = _cloudfront(s)
    found = s.distribution_id or entry_point.find_distribution(cloudfront, s.uuid)
    if not found:
        return [m.DistributionDeleted("", now)]
    if entry_point.disable(cloudfront, found) is None:
        return [m.DistributionDeleted(found, now)]
    return [m.DistributionDisabled(found, now)]


def _delete_distribution(s: Notebook, now: float):
    what = f"distribution {s.distribution_id}"
    wait = _not_yet(s.distribution_teardown_at, now, f"{what}: its disabling is deploying")
    if wait:
        return wait
    outcome = entry_point.delete_distribution(_cloudfront(s), s.distribution_id)
    if outcome == "gone":
        return [m.DistributionDeleted(s.distribution_id, now)]
    if outcome == "enabled":     # enabled again meanwhile: disabled again
        return [m.DistributionFound(s.distribution_id, now)]
    return Wait(_poll(), f"{what}: its disabling is not deployed yet")


def _delete_vpc_origin(s: Notebook, now: float):
    cloudfront = _cloudfront(s)
    found = s.vpc_origin_id or entry_point.find_vpc_origin(cloudfront, s.uuid)
    if not found:
        return [m.VpcOriginDeleted("", now)]
    outcome = entry_point.delete_vpc_origin(cloudfront, found)
    if outcome == "gone":
        return [m.VpcOriginDeleted(found, now)]
    if outcome == "deleting":
        return [m.VpcOriginDeleting(found, now)]
    users = entry_point.distributions_using(cloudfront, found)
    if users:     # one the teardown had not seen (a creation cut short): it goes first
        return [m.DistributionFound(users[0], now)]
    return Wait(_poll(), f"VPC origin {found} is still in use")


def _await_vpc_origin_deleted(s: Notebook, now: float):
    what = f"VPC origin {s.vpc_origin_id}"
    wait = _not_yet(s.vpc_origin_teardown_at, now, f"{what} being deleted")
    if wait:
        return wait
    cloudfront = _cloudfront(s)
    found = entry_point.vpc_origin(cloudfront, s.vpc_origin_id)
    if found is not None:
        return Wait(_poll(), f"{what} is {found.status}")
    events: list = [m.VpcOriginDeleted(s.vpc_origin_id, now)]
    other = entry_point.find_vpc_origin(cloudfront, s.uuid)
    if other and other != s.vpc_origin_id:
        events.append(m.VpcOriginFound(other, now))
    return events


CREATION = {
    Step.CREATE_VPC_ORIGIN: _create_vpc_origin,
    Step.AWAIT_VPC_ORIGIN: _await_vpc_origin,
    Step.ADMIT_CLOUDFRONT: _admit_cloudfront,
    Step.CREATE_DISTRIBUTION: _create_distribution,
    Step.AWAIT_DISTRIBUTION: _await_distribution,
    Step.PROBE_ENTRY: _probe_entry,
}
REMOVAL = {
    Step.DISABLE_DISTRIBUTION: _disable_distribution,
    Step.DELETE_DISTRIBUTION: _delete_distribution,
    Step.DELETE_VPC_ORIGIN: _delete_vpc_origin,
    Step.AWAIT_VPC_ORIGIN_DELETED: _await_vpc_origin_deleted,
}
