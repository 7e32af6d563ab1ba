"""CloudFront distributions as strict as AWS where Corral depends on it, and really carrying
traffic (cloudfront_edge).

moto 5.2.5 keeps distributions but ignores ``IfMatch``, keeps one ETag for ever, deletes an
enabled distribution, drops an origin's ``VpcOriginConfig`` and reports ``Deployed`` at once.
Here, as on AWS:

* ``InProgress`` after every change, ``Deployed`` once it is deployed (cloudfront_deploys);
* every change a new ETag; UpdateDistribution and DeleteDistribution need the current one
  (``PreconditionFailed`` otherwise);
* DeleteDistribution refuses a distribution that is enabled, or whose disabling is still
  ``InProgress`` (``DistributionNotDisabled``);
* an origin's ``VpcOriginConfig`` is kept (GetDistributionConfig gives it back), and must
  name a ``Deployed`` VPC origin of the account (cloudfront_vpc_origins);
* a cache behaviour takes a cache policy or ``ForwardedValues``, not both; with a cache policy
  GetDistributionConfig gives no ``ForwardedValues`` back (so a configuration read and sent
  back whole is valid again, as on AWS).

Each distribution's ``DomainName`` is the loopback address of its edge (``localhost:<port>``,
cloudfront_edge): a viewer's connection there reaches the distribution's VPC origin (the EC2
instance it names: every node is this machine, so 127.0.0.1, on the VPC origin's HTTP port)
while the distribution is enabled and deployed (a change not yet deployed leaves the previous
state serving), and only when one of the instance's security groups lets CloudFront's
service-managed group in on that port: otherwise CloudFront's 504, as on AWS where the packets
are dropped.
"""

from __future__ import annotations

from typing import Any, Callable

from moto.cloudfront.exceptions import NoSuchDistribution
from moto.cloudfront.models import (CloudFrontBackend, DefaultCacheBehaviour, Distribution,
                                    Origin, cloudfront_backends)
from moto.ec2.models import ec2_backends

from . import cloudfront_deploys as d
from . import cloudfront_edge as edge
from . import cloudfront_vpc_origins as vpc_origins
from ._patching import wrap_method

PARTITION = vpc_origins.PARTITION
_CHANGED, _LIVE = "_corral_changed_at", "_corral_live_enabled"


# ---- status, ETag, what is live -----------------------------------------------------------

def _status(self: Any) -> str:
    changed = getattr(self, _CHANGED, None)
    return "Deployed" if changed is None or d.deployed(changed) else "InProgress"


def _set_status(self: Any, value: str) -> None:   # moto's ManagedState sets it; ignored
    pass


def serving(dist: Any) -> bool:
    """Whether viewers are served: the configuration once deployed, the one before until."""
    enabled = bool(dist.distribution_config.Enabled)
    return enabled if _status(dist) == "Deployed" else bool(getattr(dist, _LIVE, False))


def _changed(dist: Any, live_before: bool) -> None:
    setattr(dist, _CHANGED, d.now())
    setattr(dist, _LIVE, live_before)
    dist.etag = d.new_etag()


# ---- checks on a configuration ------------------------------------------------------------

def _check(account_id: str, config: dict) -> None:
    origins = vpc_origins.origins_of(account_id)
    for origin in (config.get("Origins") or {}).get("Items") or []:
        vpc = origin.get("VpcOriginConfig")
        if not vpc:
            continue
        found = origins.get(vpc.get("VpcOriginId") or "")
        if found is None:
            raise d.EntityNotFound(f"VPC origin {vpc.get('VpcOriginId')}")
        if found.status != "Deployed":
            raise d.InvalidArgument(f"The VPC origin {found.id} is {found.status}: a "
                                    f"distribution can use it once it is Deployed.")
    behaviours = [config.get("DefaultCacheBehavior") or {}] + list(
        (config.get("CacheBehaviors") or {}).get("Items") or [])
    for b in behaviours:
        if b.get("CachePolicyId") and b.get("ForwardedValues"):
            raise d.InvalidArgument("The parameter ForwardedValues cannot be used when a cache "
                                    "policy is associated to the cache behavior.")


# ---- where a viewer's connection goes --------------------------------------------------------

def _admits(account_id: str, region: str, instance: Any, port: int) -> bool:
    """Whether a security group of the instance lets CloudFront's service group in on port."""
    service = vpc_origins.service_group(account_id, region, instance.vpc_id)
    if service is None:
        return False
    groups = {g.id: g for g in instance.security_groups}
    for nic in instance.nics.values():
        groups.update({g.id: g for g in nic.group_set})
    return any(rule.source_group.get("GroupId") == service.id
               and (rule.ip_protocol == "-1" or (rule.ip_protocol == "tcp"
                                                 and rule.from_port <= port <= rule.to_port))
               for g in groups.values() for rule in g.ingress_rules)


def route_for(account_id: str, dist_id: str) -> Callable[[], Any]:
    def route() -> Any:
        dist = cloudfront_backends[account_id][PARTITION].distributions.get(dist_id)
        if dist is None:
            return edge.Refusal(403, "the distribution is deleted")
        if not serving(dist):
            why = "not deployed yet" if dist.distribution_config.Enabled else "disabled"
            return edge.Refusal(403, f"The distribution {dist_id} is {why}.")
        config = dist.distribution_config
        target = config.DefaultCacheBehavior.target_origin_id
        origin = next(o for o in config.Origins["Items"] if o.id == target)
        vo_id = (getattr(origin, "vpc_origin_config", None) or {}).get("VpcOriginId")
        if not vo_id:
            return edge.Refusal(502, "the emulator's edge carries VPC origins only")
        vo = vpc_origins.origins_of(account_id).get(vo_id)
        if vo is None or vo.status != "Deployed":
            return edge.Refusal(502, f"the VPC origin {vo_id} is not deployed")
        port = int(vo.config["HTTPPort"] if vo.config["OriginProtocolPolicy"] != "https-only"
                   else vo.config["HTTPSPort"])
        ec2 = ec2_backends[account_id][vo.region]
        found = [i for i in ec2.all_instances() if i.id == vo.instance_id]
        if not found or found[0].state != "running":
            return edge.Refusal(502, f"the origin {vo.instance_id} is not running")
        if not _admits(account_id, vo.region, found[0], port):
            return edge.Refusal(504, f"CloudFront could not reach {vo.instance_id}:{port}: no "
                                     f"security group of the instance lets "
                                     f"{vpc_origins.SERVICE_GROUP} in on that port")
        return ("127.0.0.1", port)     # every node is this machine
    return route


# ---- the backend's calls --------------------------------------------------------------------

def _creating(original: Callable[..., Any]) -> Callable[..., Any]:
    def create(self: Any, distribution_config: dict, tags: list) -> Any:
        _check(self.account_id, distribution_config)
        dist, location, _ = original(self, distribution_config, tags)
        _changed(dist, False)
        dist.domain_name = edge.open_edge(dist.distribution_id,
                                          route_for(self.account_id, dist.distribution_id)).domain
        return dist, location, dist.etag
    return create


def _updating(original: Callable[..., Any]) -> Callable[..., Any]:
    def update(self: Any, dist_config: dict, _id: str, if_match: Any) -> Any:
        dist = self.distributions.get(_id or "")
        if dist is None:
            raise NoSuchDistribution
        d.check_if_match(if_match, dist.etag, f"distribution {_id}")
        _check(self.account_id, dist_config or {})
        live = serving(dist)
        dist, location, _ = original(self, dist_config, _id, if_match)
        _changed(dist, live)
        return dist, location, dist.etag
    return update


def _deleting(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete(self: Any, distribution_id: str, if_match: Any) -> None:
        dist = self.distributions.get(distribution_id or "")
        if dist is None:
            raise NoSuchDistribution
        d.check_if_match(if_match, dist.etag, f"distribution {distribution_id}")
        if dist.distribution_config.Enabled:
            raise d.DistributionNotDisabled("it is enabled")
        if _status(dist) != "Deployed":
            raise d.DistributionNotDisabled("its disabling is still InProgress")
        original(self, distribution_id, if_match)
        edge.close_edge(distribution_id)
    return delete


def _keeping_vpc_config(original: Callable[..., Any]) -> Callable[..., Any]:
    def __init__(self: Any, origin: dict) -> None:
        original(self, origin)
        self.vpc_origin_config = origin.get("VpcOriginConfig")
    return __init__


def _behaviour(original: Callable[..., Any]) -> Callable[..., Any]:
    def __init__(self: Any, config: dict) -> None:
        original(self, config)
        if config.get("CachePolicyId"):
            self.forwarded_values = None
    return __init__


def install() -> None:
    wrap_method(CloudFrontBackend, "create_distribution_with_tags", _creating)
    wrap_method(CloudFrontBackend, "update_distribution", _updating)
    wrap_method(CloudFrontBackend, "delete_distribution", _deleting)
    wrap_method(Origin, "__init__", _keeping_vpc_config)
    wrap_method(DefaultCacheBehaviour, "__init__", _behaviour)
    if not getattr(getattr(Distribution.__dict__.get("status"), "fget", None),
                   "__corral_patch__", False):
        reported = property(_status, _set_status)
        reported.fget.__corral_patch__ = True  # type: ignore[union-attr]
        Distribution.status = reported  # type: ignore[assignment, method-assign]
