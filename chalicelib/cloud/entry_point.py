"""A notebook's public entry point, in the customer's account: a CloudFront distribution
whose one origin is a CloudFront VPC origin on the notebook's node.

The node stays in a private subnet with no public address; CloudFront reaches it from its
own interfaces inside the VPC (the VPC origin), over HTTP on Jupyter's port, and serves
viewers over HTTPS on the distribution's ``*.cloudfront.net`` name with CloudFront's own
certificate (no domain, no ACM certificate). Caching is off (the managed CachingDisabled
policy) and every viewer header, cookie and query string is forwarded (the managed AllViewer
origin request policy): Jupyter's token, its login cookie, its XSRF header, the Host it
checks its WebSocket origins against, and the WebSocket upgrade of its kernels and
terminals all pass.

CloudFront is a global service: its API endpoint is in us-east-1 (REGION), whatever the
region of the node, so its client is always made for that region; the VPC origin names the
node by its ARN, which carries the node's region.

Every call is idempotent and converges after a crash between two calls: a VPC origin is
found by its name, a distribution by its comment, before anything is made (and a repeated
CreateDistribution is refused by AWS for its caller reference); a change or a deletion reads
the resource's current ETag first and, when another change slipped in between
(PreconditionFailed), reads it again; what is already gone counts as done. Everything is
tagged as the notebook's node is, plus the node's region (tags.REGION: these resources are
global), so the region's cleanup and the reconciler find leftovers (`tagged`, `advance`)."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from ..kernel import config
from ..kernel.errors import CloudError
from . import tags as t
from .orphans import Tagged
from .sessions import call

REGION = "us-east-1"           # CloudFront's API endpoint (a global service)
ORIGIN_ID = "notebook-node"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"    # managed cache policy
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"          # managed origin request policy
DEPLOYED = "Deployed"
ETAG_ATTEMPTS = 3              # reads of a fresh ETag when another change slipped in
DISTRIBUTION, VPC_ORIGIN = "distribution", "vpc-origin"
METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
NAME_PREFIX, COMMENT_PREFIX = "corral-nb-", "corral notebook "


def vpc_origin_name(notebook_uuid: str) -> str:
    return f"{NAME_PREFIX}{notebook_uuid}"


def comment(notebook_uuid: str) -> str:
    return f"{COMMENT_PREFIX}{notebook_uuid}"


def instance_arn(region: str, account_id: str, instance_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account_id}:instance/{instance_id}"


def url(domain: str) -> str:
    """The entry point's address: HTTPS on the distribution's name (kernel/config.py's
    entry_scheme says otherwise only where the emulator serves it over plain HTTP)."""
    return f"{config.get().entry_scheme}://{domain}/"


@dataclass(frozen=True)
class Found:
    """A VPC origin or a distribution as CloudFront reports it now."""
    id: str
    status: str
    etag: str = ""
    domain: str = ""
    enabled: bool = False

    @property
    def deployed(self) -> bool:
        return self.status == DEPLOYED


def _tag_items(tags: dict) -> dict:
    return {"Items": t.tag_list(tags)}


# ---- the VPC origin -----------------------------------------------------------------------

def _vpc_origins(cf) -> list[dict]:
    """Every VPC origin of the account (ListVpcOrigins, page by page: boto3 has no paginator)."""
    found, marker = [], ""
    while True:
        page = call(cf.list_vpc_origins, **({"Marker": marker} if marker else {}))["VpcOriginList"]
        found += page.get("Items") or []
        marker = page.get("NextMarker") or ""
        if not page.get("IsTruncated") or not marker:
            return found


def find_vpc_origin(cf, notebook_uuid: str) -> str | None:
    """The id of the notebook's VPC origin (by its name), unless it is being deleted."""
    name = vpc_origin_name(notebook_uuid)
    ids = sorted(v["Id"] for v in _vpc_origins(cf)
                 if v.get("Name") == name and v.get("Status") != "Deleting")
    return ids[0] if ids else None


def ensure_vpc_origin(cf, notebook_uuid: str, arn: str, port: int, tags: dict) -> str:
    """The notebook's VPC origin: the one an earlier attempt made, or a new one, reaching the
    node at `arn` over HTTP on `port`."""
    existing = find_vpc_origin(cf, notebook_uuid)
    if existing:
        return existing
    reply = call(cf.create_vpc_origin, VpcOriginEndpointConfig={
        "Name": vpc_origin_name(notebook_uuid), "Arn": arn, "HTTPPort": int(port),
        "HTTPSPort": 443, "OriginProtocolPolicy": "http-only",
        "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]}}, Tags=_tag_items(tags))
    return reply["VpcOrigin"]["Id"]


def vpc_origin(cf, vpc_origin_id: str) -> Found | None:
    try:
        reply = call(cf.get_vpc_origin, Id=vpc_origin_id)
    except CloudError as e:
        if e.code == "EntityNotFound":
            return None
        raise
    return Found(vpc_origin_id, reply["VpcOrigin"]["Status"], reply.get("ETag", ""))


def _fresh(attempt, what: str):
    """attempt() (which reads the resource's ETag, then uses it), again while another change
    slipped in between (PreconditionFailed): at most ETAG_ATTEMPTS times, then a passing
    error (the step is tried again later)."""
    for _ in range(ETAG_ATTEMPTS):
        try:
            return attempt()
        except CloudError as e:
            if e.code != "PreconditionFailed":
                raise
    raise CloudError("PreconditionFailed", f"{what} kept changing under the request",
                     transient=True)


def _answered(e: CloudError, outcomes: dict[str, str]) -> str:
    """What an error of a removal means (a PreconditionFailed is raised for _fresh)."""
    if e.code in outcomes:
        return outcomes[e.code]
    raise e


def delete_vpc_origin(cf, vpc_origin_id: str) -> str:
    """Ask CloudFront to delete it: "gone" (nothing left), "deleting" (asked, or already
    asked), or "in use" (a distribution still names it: delete that first)."""
    def attempt() -> str:
        found = vpc_origin(cf, vpc_origin_id)
        if found is None:
            return "gone"
        if found.status == "Deleting":
            return "deleting"
        try:
            call(cf.delete_vpc_origin, Id=vpc_origin_id, IfMatch=found.etag)
        except CloudError as e:
            return _answered(e, {"EntityNotFound": "gone",
                                 "CannotDeleteEntityWhileInUse": "in use"})
        return "deleting"
    return _fresh(attempt, f"VPC origin {vpc_origin_id}")


def distributions_using(cf, vpc_origin_id: str) -> list[str]:
    """The distributions that name the VPC origin (what keeps it from being deleted)."""
    try:
        reply = call(cf.list_distributions_by_vpc_origin_id, VpcOriginId=vpc_origin_id)
    except CloudError as e:
        if e.code == "EntityNotFound":
            return []
        raise
    return list(reply["DistributionIdList"].get("Items") or [])


# ---- the distribution ---------------------------------------------------------------------

def distribution_config(notebook_uuid: str, vpc_origin_id: str, origin_domain: str) -> dict:
    return {
        "CallerReference": vpc_origin_name(notebook_uuid),
        "Comment": comment(notebook_uuid),
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": ORIGIN_ID, "DomainName": origin_domain, "OriginPath": "",
            "CustomHeaders": {"Quantity": 0},
            "VpcOriginConfig": {"VpcOriginId": vpc_origin_id, "OriginReadTimeout": 60,
                                "OriginKeepaliveTimeout": 5},
            "ConnectionAttempts": 3, "ConnectionTimeout": 10}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": ORIGIN_ID, "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": {"Quantity": len(METHODS), "Items": METHODS,
                               "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
            "Compress": False, "CachePolicyId": CACHING_DISABLED,
            "OriginRequestPolicyId": ALL_VIEWER},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
        "PriceClass": "PriceClass_All",
        "HttpVersion": "http2",
        "IsIPV6Enabled": True,
    }


def _summaries(cf) -> list[dict]:
    pages = cf.get_paginator("list_distributions").paginate()
    return call(lambda: [d for p in pages for d in p["DistributionList"].get("Items") or []])


def find_distribution(cf, notebook_uuid: str) -> str | None:
    """The id of the notebook's distribution, found by its comment."""
    ids = sorted(d["Id"] for d in _summaries(cf) if d.get("Comment") == comment(notebook_uuid))
    return ids[0] if ids else None


def distribution(cf, distribution_id: str) -> Found | None:
    try:
        reply = call(cf.get_distribution, Id=distribution_id)
    except CloudError as e:
        if e.code == "NoSuchDistribution":
            return None
        raise
    d = reply["Distribution"]
    return Found(d["Id"], d["Status"], reply.get("ETag", ""), d["DomainName"],
                 bool(d["DistributionConfig"]["Enabled"]))


def ensure_distribution(cf, notebook_uuid: str, vpc_origin_id: str, origin_domain: str,
                        tags: dict) -> Found:
    """The notebook's distribution: the one an earlier attempt made, or a new one."""
    existing = find_distribution(cf, notebook_uuid)
    if existing:
        found = distribution(cf, existing)
        if found is not None:
            return found
    try:
        reply = call(cf.create_distribution_with_tags, DistributionConfigWithTags={
            "DistributionConfig": distribution_config(notebook_uuid, vpc_origin_id,
                                                      origin_domain),
            "Tags": _tag_items(tags)})
    except CloudError as e:
        if e.code != "DistributionAlreadyExists":
            raise
        raise CloudError(e.code, f"{e.message} (not listed yet: looked for again shortly)",
                         transient=True) from e
    d = reply["Distribution"]
    return Found(d["Id"], d["Status"], reply.get("ETag", ""), d["DomainName"], True)


def disable(cf, distribution_id: str) -> Found | None:
    """Disable it (UpdateDistribution of its whole configuration, Enabled false, with the ETag
    that configuration came with): what CloudFront reports then, None when it is gone."""
    def attempt() -> Found | None:
        try:
            current = call(cf.get_distribution_config, Id=distribution_id)
            settings = current["DistributionConfig"]
            if not settings["Enabled"]:
                return distribution(cf, distribution_id)
            settings["Enabled"] = False
            reply = call(cf.update_distribution, Id=distribution_id, IfMatch=current["ETag"],
                         DistributionConfig=settings)
        except CloudError as e:
            if e.code == "NoSuchDistribution":
                return None
            raise
        d = reply["Distribution"]
        return Found(d["Id"], d["Status"], reply.get("ETag", ""), d["DomainName"], False)
    return _fresh(attempt, f"distribution {distribution_id}")


def delete_distribution(cf, distribution_id: str) -> str:
    """Delete it once disabled and deployed: "gone" (nothing left, or deleted now),
    "enabled" (disable it first) or "deploying" (its last change is not deployed yet)."""
    def attempt() -> str:
        found = distribution(cf, distribution_id)
        if found is None:
            return "gone"
        if found.enabled:
            return "enabled"
        if not found.deployed:
            return "deploying"
        try:
            call(cf.delete_distribution, Id=distribution_id, IfMatch=found.etag)
        except CloudError as e:
            return _answered(e, {"NoSuchDistribution": "gone",
                                 "DistributionNotDisabled": "deploying"})
        return "gone"
    return _fresh(attempt, f"distribution {distribution_id}")


# ---- through the entry point, as a browser ------------------------------------------------

def get(address: str, headers: dict, timeout: float = 10) -> tuple[int | None, str]:
    """GET `address` from the platform, as a browser on the internet would: (the HTTP status,
    None when nothing answered; what came back or what went wrong, in a few words)."""
    request = urllib.request.Request(address, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(300).decode(errors="replace").strip().replace("\n", " ")
    except (urllib.error.URLError, OSError) as e:
        return None, str(getattr(e, "reason", e))


# ---- leftovers: the region's cleanup and the reconciler ------------------------------------

def _tags_of(cf, arn: str) -> dict:
    return t.of(call(cf.list_tags_for_resource, Resource=arn)["Tags"], "Items")


def tagged(cf, org_uuid: str, region: str) -> list[Tagged]:
    """The organization's notebook entry points of `region` (distributions and VPC origins,
    tagged with both): candidates by name, then their tags read. A distribution's state is
    "<Status>/<enabled|disabled>", a VPC origin's its status."""
    candidates = [(DISTRIBUTION, d["Id"], d["ARN"],
                   f"{d['Status']}/{'enabled' if d['Enabled'] else 'disabled'}")
                  for d in _summaries(cf) if (d.get("Comment") or "").startswith(COMMENT_PREFIX)]
    candidates += [(VPC_ORIGIN, v["Id"], v["Arn"], v["Status"]) for v in _vpc_origins(cf)
                   if (v.get("Name") or "").startswith(NAME_PREFIX)]
    found = []
    for kind, rid, arn, state in candidates:
        tags = _tags_of(cf, arn)
        if tags.get(t.ORG) == org_uuid and tags.get(t.REGION) == region:
            found.append(Tagged(kind, rid, tags.get(t.CLUSTER, ""), tags.get(t.WORKSPACE, ""),
                                None, state))
    return found


def advance(cf, resources: list[Tagged]) -> dict[str, str]:
    """One step of each one's removal, as far as CloudFront lets it go now: a distribution is
    disabled, then deleted once that is deployed; a VPC origin is deleted once no distribution
    names it. Returns, by id, what was done or why it waits (a line for the task)."""
    said: dict[str, str] = {}
    for r in resources:
        if r.kind == DISTRIBUTION:
            outcome = delete_distribution(cf, r.id)
            if outcome == "enabled":
                disable(cf, r.id)
                outcome = "disabled (deleted once that is deployed)"
            said[r.id] = {"gone": "deleted", "deploying": "waiting for its disabling to be "
                                                          "deployed"}.get(outcome, outcome)
    for r in resources:
        if r.kind == VPC_ORIGIN:
            outcome = delete_vpc_origin(cf, r.id)
            said[r.id] = {"gone": "deleted", "deleting": "being deleted",
                          "in use": "waiting for its distribution to go"}[outcome]
    return said
