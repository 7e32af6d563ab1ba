"""The organization's S3 bucket in one region, for cluster state and job output: private (all
public access blocked), encrypted at rest, tagged. The name is derived from the organization and
region (bucket names are global); its settings are converged on every call. Removal empties it
(every object version) before deleting it."""
from __future__ import annotations

from ..kernel.errors import CloudError
from . import tags as t
from .sessions import call

ROLE = "state-bucket"
ABSENT = ("NoSuchBucket", "404", "NotFound")


def bucket_name(org: str, region: str) -> str:
    return f"corral-{org}-{region}"


def _exists(s3, name: str) -> bool:
    try:
        call(s3.head_bucket, Bucket=name)
    except CloudError as e:
        if e.code in ABSENT:
            return False
        raise
    return True


def ensure_bucket(s3, org: str, region: str) -> str:
    name = bucket_name(org, region)
    if not _exists(s3, name):
        where = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            call(s3.create_bucket, Bucket=name, **where)
        except CloudError as e:
            if e.code != "BucketAlreadyOwnedByYou":
                raise
    call(s3.put_public_access_block, Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    call(s3.put_bucket_encryption, Bucket=name, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    call(s3.put_bucket_tagging, Bucket=name, Tagging={"TagSet": t.tag_list(
        {t.ORG: org, t.ROLE: ROLE})})
    return name


def delete_bucket(s3, org: str, region: str) -> tuple[list[str], int]:
    """([the bucket] or [], objects deleted)."""
    name = bucket_name(org, region)
    if not _exists(s3, name):
        return [], 0
    deleted = 0
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=name)
    for page in call(lambda: list(pages)):
        keys = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        for start in range(0, len(keys), 1000):
            call(s3.delete_objects, Bucket=name, Delete={"Objects": keys[start:start + 1000],
                                                         "Quiet": True})
        deleted += len(keys)
    call(s3.delete_bucket, Bucket=name)
    return [name], deleted
