"""Checks on a run's source made at submission, in the customer's account: an S3 source's
bucket must exist and be in the cluster's region (the manual's rule)."""
from __future__ import annotations

from ..api.http import invalid
from ..cloud.sessions import call, customer_client
from ..clusters.machine import Cluster
from ..kernel.errors import CloudError
from ..linking.links import link_for

FIELD = "jobConfig.source.sourceDef.bucketPath"


def check_s3(cluster: Cluster, location: str) -> None:
    bucket = location.removeprefix("s3://").split("/", 1)[0]
    s3 = customer_client(link_for(cluster.organization_uuid), "s3", cluster.spec.region)
    try:
        found = call(s3.get_bucket_location, Bucket=bucket)
    except CloudError as e:
        if e.code in ("NoSuchBucket", "AccessDenied", "AllAccessDisabled"):
            raise invalid(FIELD, f"bucket {bucket} cannot be read from your account: "
                                 f"{e.code}") from None
        raise
    region = found.get("LocationConstraint") or "us-east-1"   # None is us-east-1
    if region == "EU":
        region = "eu-west-1"
    if region != cluster.spec.region:
        raise invalid(FIELD, f"bucket {bucket} is in {region}; your S3 bucket must be in the "
                             f"same region as your cluster ({cluster.spec.region})")
