"""Settings: the organization's link to its AWS account (External ID, role, region, AMI share
status), "create role for me", and the platform policy the role needs."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, json_view
from ..api.validate import string
from ..identity.caller import caller
from ..identity.caller import caller_organization as organization
from . import links as linking
from .shapes import link_error

bp = Blueprint(__name__)


@bp.route("/v1/settings", methods=["GET"])
@json_view
def get_settings():
    return linking.settings_view(organization(bp.current_request).uuid)


@bp.route("/v1/settings/aws-account", methods=["PUT"])
@json_view
def link_account():
    org = organization(bp.current_request)
    b = body(bp.current_request)
    account_id = string(b, "accountId", required=True, max_len=12)
    role_arn = string(b, "roleArn", required=True, max_len=2048)
    region = string(b, "region", required=True, max_len=32)
    try:
        linking.link_manually(org, account_id, role_arn, region)
    except linking.LinkError as e:
        raise link_error(e) from None
    return linking.settings_view(org.uuid)


@bp.route("/v1/settings/aws-account/create-role", methods=["POST"])
@json_view
def create_role():
    org = organization(bp.current_request)
    b = body(bp.current_request)
    access_key_id = string(b, "accessKeyId", required=True, max_len=128)
    secret = string(b, "secretAccessKey", required=True, max_len=128)
    try:
        role_arn = linking.create_role_for_me(org, access_key_id, secret)
    except linking.LinkError as e:
        raise link_error(e) from None
    account_id = linking.ROLE_ARN.match(role_arn).group(1)
    return {"roleArn": role_arn, "accountId": account_id,
            "message": "Role created. Save this role ARN with your account id and a region "
                       "to link the account."}


@bp.route("/v1/settings/platform-policy", methods=["GET"])
@json_view
def settings_platform_policy():
    caller(bp.current_request).require_organization()
    return linking.platform_policy()


@bp.route("/platform-policy.json", methods=["GET"])
@json_view
def public_platform_policy():
    return linking.platform_policy()
