"""CloudFront VPC origins, which moto 5.2.5 lacks: CreateVpcOrigin, GetVpcOrigin,
DeleteVpcOrigin, ListVpcOrigins and ListDistributionsByVpcOriginId.

A VPC origin names one resource in a private subnet of the account (here: an EC2 instance;
AWS also takes internal load balancers) and the ports CloudFront reaches it on. As on AWS:

* the instance must exist in the account (not terminated) and its VPC must have an internet
  gateway attached (AWS's prerequisite, though the gateway carries none of the traffic);
* creating one makes CloudFront's service-managed security group
  ``CloudFront-VPCOrigins-Service-SG`` in that VPC (tagged ``aws.cloudfront.vpcorigin``),
  once per VPC: the interfaces CloudFront reaches the origin from carry it, so the origin's
  own security group admits CloudFront by naming that group;
* it is ``Deploying``, then ``Deployed`` (cloudfront_deploys: the emulator's time);
* DeleteVpcOrigin needs the current ETag (``IfMatch``) and is refused while a distribution
  (enabled or not, until it is deleted) uses it (``CannotDeleteEntityWhileInUse``); the
  origin is then ``Deleting`` until the deletion is deployed, and gone (``EntityNotFound``).
  The last VPC origin of a VPC gone, its service group is deleted too, unless another group
  still names it in a rule (AWS cannot delete a referenced group either).

Tags given at creation are kept by ARN (ListTagsForResource answers them).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront.models import cloudfront_backends
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.responses import ActionResult
from moto.ec2.models import ec2_backends
from moto.moto_api._internal import mock_random as random

from . import cloudfront_deploys as d
from ._patching import add_method

SERVICE_GROUP = "CloudFront-VPCOrigins-Service-SG"
SERVICE_GROUP_TAG = "aws.cloudfront.vpcorigin"
PARTITION = "aws"
_INSTANCE_ARN = re.compile(r"arn:aws:ec2:([a-z0-9-]+):(\d{12}):instance/(i-[0-9a-f]+)")
_POLICIES = ("http-only", "match-viewer", "https-only")
URL_PATHS = {
    "{0}/2020-05-31/vpc-origin$": CloudFrontResponse.dispatch,
    "{0}/2020-05-31/vpc-origin/(?P<vpc_origin_id>[^/]+)$": CloudFrontResponse.dispatch,
    "{0}/2020-05-31/distributionsByVpcOriginId/(?P<vpc_origin_id>[^/]+)$":
        CloudFrontResponse.dispatch,
}


@dataclass
class VpcOrigin:
    id: str
    arn: str
    account_id: str
    config: dict
    region: str        # where its instance is
    instance_id: str
    vpc_id: str
    created: datetime
    modified: datetime
    changed_at: float
    etag: str = field(default_factory=d.new_etag)
    deleting: bool = False

    @property
    def status(self) -> str:
        if self.deleting:
            return "Deleting"
        return "Deployed" if d.deployed(self.changed_at) else "Deploying"

    @property
    def gone(self) -> bool:
        return self.deleting and d.deployed(self.changed_at)

    def shape(self) -> dict:
        return {"Id": self.id, "Arn": self.arn, "AccountId": self.account_id,
                "Status": self.status, "CreatedTime": self.created,
                "LastModifiedTime": self.modified, "VpcOriginEndpointConfig": self.config}

    def summary(self) -> dict:
        return {"Id": self.id, "Name": self.config["Name"], "Status": self.status,
                "CreatedTime": self.created, "LastModifiedTime": self.modified,
                "Arn": self.arn, "AccountId": self.account_id,
                "OriginEndpointArn": self.config["Arn"]}


def _origins(backend: Any) -> dict[str, VpcOrigin]:
    return backend.__dict__.setdefault("_corral_vpc_origins", {})


def origins_of(account_id: str) -> dict[str, VpcOrigin]:
    """The account's VPC origins by id (swept: a deletion deployed is gone)."""
    backend = cloudfront_backends[account_id][PARTITION]
    _sweep(backend)
    return _origins(backend)


def _new_id() -> str:
    chars = string.ascii_letters + string.digits
    return "vo_" + "".join(random.choice(chars) for _ in range(22))


def _stamp() -> datetime:
    return datetime.now(timezone.utc)


# ---- the service-managed security group ---------------------------------------------------

def service_group(account_id: str, region: str, vpc_id: str) -> Any | None:
    ec2 = ec2_backends[account_id][region]
    found = [g for g in ec2.describe_security_groups(filters={"vpc-id": [vpc_id]})
             if g.name == SERVICE_GROUP]
    return found[0] if found else None


def _ensure_service_group(account_id: str, region: str, vpc_id: str) -> None:
    if service_group(account_id, region, vpc_id) is None:
        ec2_backends[account_id][region].create_security_group(
            SERVICE_GROUP, "CloudFront VPC origins: the interfaces CloudFront reaches the "
            "origins of this VPC from", vpc_id=vpc_id, tags={SERVICE_GROUP_TAG: "enabled"})


def _referenced(ec2: Any, group_id: str) -> bool:
    return any(rule.source_group.get("GroupId") == group_id
               for g in ec2.describe_security_groups() if g.id != group_id
               for rule in (*g.ingress_rules, *g.egress_rules))


def _drop_service_group(account_id: str, region: str, vpc_id: str) -> None:
    group = service_group(account_id, region, vpc_id)
    ec2 = ec2_backends[account_id][region]
    if group is not None and not _referenced(ec2, group.id):
        ec2.delete_security_group(group_id=group.id)


def _sweep(backend: Any) -> None:
    origins = _origins(backend)
    for origin in [o for o in origins.values() if o.gone]:
        del origins[origin.id]
        if not any(o.vpc_id == origin.vpc_id and o.region == origin.region
                   for o in origins.values()):
            _drop_service_group(origin.account_id, origin.region, origin.vpc_id)


# ---- checks ----------------------------------------------------------------------------

def _target(account_id: str, arn: str) -> tuple[str, str, str]:
    """(region, instance id, VPC id) of the instance a VPC origin names."""
    m = _INSTANCE_ARN.fullmatch(arn or "")
    if m is None:
        raise d.InvalidArgument(f"The VPC origin endpoint {arn!r} is not an EC2 instance ARN "
                                f"(this emulator's VPC origins target EC2 instances only).")
    region, owner, instance_id = m.groups()
    if owner != account_id:
        raise d.InvalidArgument(f"The EC2 instance {instance_id} is not in account "
                                f"{account_id}.")
    ec2 = ec2_backends[account_id][region]
    found = [i for i in ec2.all_instances() if i.id == instance_id]
    if not found or found[0].state == "terminated":
        raise d.InvalidArgument(f"The EC2 instance {instance_id} does not exist in {region}.")
    vpc_id = found[0].vpc_id
    if not any(g.vpc is not None and g.vpc.id == vpc_id
               for g in ec2.internet_gateways.values()):
        raise d.InvalidArgument(f"The VPC {vpc_id} of {instance_id} has no internet gateway "
                                f"attached: a VPC origin needs one.")
    return region, instance_id, vpc_id


def _checked(config: dict) -> dict:
    name = str(config.get("Name") or "")
    if not 1 <= len(name) <= 64:
        raise d.InvalidArgument("VpcOriginEndpointConfig.Name must be 1 to 64 characters.")
    for key in ("HTTPPort", "HTTPSPort"):
        port = config.get(key)
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise d.InvalidArgument(f"VpcOriginEndpointConfig.{key} must be a port number.")
    if config.get("OriginProtocolPolicy") not in _POLICIES:
        raise d.InvalidArgument(f"VpcOriginEndpointConfig.OriginProtocolPolicy must be one of "
                                f"{', '.join(_POLICIES)}.")
    protocols = (config.get("OriginSslProtocols") or {}).get("Items") or ["TLSv1.2"]
    return {**config, "OriginSslProtocols": {"Quantity": len(protocols), "Items": protocols}}


def using(backend: Any, vpc_origin_id: str) -> list[str]:
    """The distributions (not deleted) whose origins use the VPC origin."""
    return [dist.distribution_id for dist in backend.distributions.values()
            for o in dist.distribution_config.Origins["Items"]
            if (getattr(o, "vpc_origin_config", None) or {}).get("VpcOriginId")
            == vpc_origin_id]


# ---- the API -----------------------------------------------------------------------------

def _get(self: Any, vpc_origin_id: str | None) -> VpcOrigin:
    _sweep(self.backend)
    found = _origins(self.backend).get(vpc_origin_id or "")
    if found is None:
        raise d.EntityNotFound(f"VPC origin {vpc_origin_id}")
    return found


def create_vpc_origin(self: Any) -> ActionResult:
    config = _checked(dict(self._get_param("VpcOriginEndpointConfig", {}) or {}))
    account = self.current_account
    region, instance_id, vpc_id = _target(account, config.get("Arn", ""))
    _sweep(self.backend)
    vo_id = _new_id()
    arn = f"arn:aws:cloudfront::{account}:vpcorigin/{vo_id}"
    stamp = _stamp()
    origin = VpcOrigin(vo_id, arn, account, config, region, instance_id, vpc_id, stamp, stamp,
                       d.now())
    _origins(self.backend)[vo_id] = origin
    tags = self._get_param("Tags.Items", []) or []
    if tags:
        self.backend.tagger.tag_resource(arn, tags)
    _ensure_service_group(account, region, vpc_id)
    return ActionResult({"VpcOrigin": origin.shape(), "ETag": origin.etag,
                         "Location": f"https://cloudfront.amazonaws.com/2020-05-31/vpc-origin/"
                                     f"{vo_id}"})


def get_vpc_origin(self: Any) -> ActionResult:
    origin = _get(self, self._get_param("Id"))
    return ActionResult({"VpcOrigin": origin.shape(), "ETag": origin.etag})


def delete_vpc_origin(self: Any) -> ActionResult:
    origin = _get(self, self._get_param("Id"))
    d.check_if_match(self._get_param("IfMatch"), origin.etag, f"VPC origin {origin.id}")
    users = using(self.backend, origin.id)
    if users:
        raise d.CannotDeleteEntityWhileInUse(f"VPC origin {origin.id} is used by "
                                             f"distribution(s) {', '.join(users)}")
    if not origin.deleting:
        origin.deleting, origin.changed_at = True, d.now()
        origin.modified, origin.etag = _stamp(), d.new_etag()
    return ActionResult({"VpcOrigin": origin.shape(), "ETag": origin.etag})


def list_vpc_origins(self: Any) -> ActionResult:
    _sweep(self.backend)
    items = [o.summary() for o in _origins(self.backend).values()]
    return ActionResult({"VpcOriginList": {
        "Marker": self._get_param("Marker") or "", "MaxItems": 100, "IsTruncated": False,
        "Quantity": len(items), "Items": items or None}})


def list_distributions_by_vpc_origin_id(self: Any) -> ActionResult:
    origin = _get(self, self._get_param("VpcOriginId"))
    ids = using(self.backend, origin.id)
    return ActionResult({"DistributionIdList": {
        "Marker": self._get_param("Marker") or "", "MaxItems": 100, "IsTruncated": False,
        "Quantity": len(ids), "Items": ids or None}})


def install() -> None:
    for path, handler in URL_PATHS.items():
        cloudfront_urls.url_paths.setdefault(path, handler)
    for name, func in (("create_vpc_origin", create_vpc_origin),
                       ("get_vpc_origin", get_vpc_origin),
                       ("delete_vpc_origin", delete_vpc_origin),
                       ("list_vpc_origins", list_vpc_origins),
                       ("list_distributions_by_vpc_origin_id",
                        list_distributions_by_vpc_origin_id)):
        add_method(CloudFrontResponse, name, func)
