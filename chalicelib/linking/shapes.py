"""The link on the wire: the SDK's cloud config shape, and a LinkError as an HTTP error."""
from __future__ import annotations

from ..api.http import ApiError
from ..identity.organizations import Organization
from ..kernel.times import iso
from .links import LinkError

# Where each input of a link sits in a cloud-config body.
CLOUD_CONFIG_FIELDS = {"accountId": "providerData.accountId", "roleArn": "providerData.roleArn",
                       "region": "providerData.tfBackendRegion",
                       "accessKeyId": "providerData.accessKeyId",
                       "secretAccessKey": "providerData.secretAccessKey"}


def link_error(e: LinkError, fields: dict[str, str] | None = None) -> ApiError:
    """409 when the account is in the way, else 400; `field` named as the body names it."""
    field = (fields or {}).get(e.field, e.field) if e.field else None
    if e.conflict:
        return ApiError(409, "Conflict", e.message, field)
    return ApiError(400, "ValidationError", e.message, field)


def cloud_config(org: Organization) -> dict:
    return {"uuid": org.cloud_config_uuid, "name": org.cloud_config_name or "AWS",
            "status": "ACTIVE", "organizationUUID": org.uuid, "customTags": {},
            "createdAt": iso(org.created_at),
            "providerData": {"provider": "AWS", "roleArn": org.role_arn,
                             "externalId": org.external_id, "accountId": org.account_id,
                             "tfBackendRegion": org.region, "tfBucketName": None}}
