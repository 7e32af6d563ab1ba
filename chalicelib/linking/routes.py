"""The SDK's cloud configs (provider AWS): Corral keeps one linked account per organization, and
that link is the organization's one cloud config (its uuid is stable on the organization
record). Creating one links the account, manually (roleArn) or with "create role for me"
(accessKeyId + secretAccessKey, used once and never kept)."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import body, invalid, json_view, not_found, page, query
from ..api.validate import NAME, string
from ..identity.caller import caller_organization as organization
from ..identity.organizations import Organization
from . import links as linking
from .shapes import CLOUD_CONFIG_FIELDS, link_error
from .shapes import cloud_config as render

bp = Blueprint(__name__)


def _provider_data(b: dict) -> dict:
    data = b.get("providerData")
    if not isinstance(data, dict):
        raise invalid("providerData", "is required: an object with provider \"AWS\", "
                                      "tfBackendRegion and roleArn (or accessKeyId and "
                                      "secretAccessKey)")
    provider = data.get("provider")
    if provider != "AWS":
        raise invalid("providerData.provider", f"{provider!r} is not supported: Corral links AWS "
                                               "accounts only, use \"AWS\"")
    return data


def _field(data: dict, name: str, required: bool = False, max_len: int = 2048) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise invalid(f"providerData.{name}", "is required")
        return None
    if not isinstance(value, str) or len(value) > max_len:
        raise invalid(f"providerData.{name}", f"must be a string of at most {max_len} characters")
    return value


def _link(org: Organization, data: dict, name: str | None) -> Organization:
    region = _field(data, "tfBackendRegion", required=True, max_len=32)
    key_id = _field(data, "accessKeyId", max_len=128)
    secret = _field(data, "secretAccessKey", max_len=128)
    try:
        if key_id or secret:
            role_arn = linking.create_role_for_me(org, key_id, secret)
            account_id = linking.ROLE_ARN.match(role_arn).group(1)
        else:
            role_arn = _field(data, "roleArn", required=True)
            account_id = _field(data, "accountId", max_len=12)
            if account_id is None:
                m = linking.ROLE_ARN.match(role_arn)
                account_id = m.group(1) if m else ""
        org = linking.link_manually(org, account_id, role_arn, region,
                                    region_field="region")
    except linking.LinkError as e:
        raise link_error(e, CLOUD_CONFIG_FIELDS) from None
    return linking.rename(org, name) if name else org


def _name(b: dict, required: bool) -> str | None:
    return string(b, "name", required=required, max_len=64, pattern=NAME,
                  hint="letters, digits, spaces, '.', '_' or '-', at most 64")


def _own(org: Organization, cc_uuid: str) -> Organization:
    if not org.linked or org.cloud_config_uuid != cc_uuid:
        raise not_found("cloud config", cc_uuid)
    return org


@bp.route("/v1/cloud-configs", methods=["POST"])
@json_view
def create_cloud_config():
    org = organization(bp.current_request)
    b = body(bp.current_request)
    name = _name(b, required=True)
    return render(_link(org, _provider_data(b), name))


@bp.route("/v1/cloud-configs", methods=["GET"])
@json_view
def list_cloud_configs():
    org = organization(bp.current_request)
    params = query(bp.current_request)
    found = [render(org)] if org.linked else []
    for key, pick in (("provider", lambda c: c["providerData"]["provider"]),
                      ("status", lambda c: c["status"]), ("uuid", lambda c: c["uuid"])):
        wanted = set(params.get(key, []))
        if wanted:
            found = [c for c in found if pick(c) in wanted]
    return page(found, params)


@bp.route("/v1/cloud-configs/{cc_uuid}", methods=["GET"])
@json_view
def get_cloud_config(cc_uuid):
    return render(_own(organization(bp.current_request), cc_uuid))


@bp.route("/v1/cloud-configs/{cc_uuid}", methods=["PUT"], content_types=[
    "application/json", "text/plain", "application/octet-stream",
    "application/x-www-form-urlencoded"])
@json_view
def update_cloud_config(cc_uuid):
    # The SDK sends this body without a JSON content type: body() parses raw_body.
    org = _own(organization(bp.current_request), cc_uuid)
    b = body(bp.current_request)
    name = _name(b, required=False)
    if "providerData" in b:
        data = _provider_data(b)
        wanted = {k: data.get(k) for k in ("roleArn", "accountId", "tfBackendRegion")}
        current = {"roleArn": org.role_arn, "accountId": org.account_id,
                   "tfBackendRegion": org.region}
        changed = {k: v for k, v in wanted.items() if v and v != current[k]}
        if changed or data.get("accessKeyId") or data.get("secretAccessKey"):
            org = _link(org, {**current, **{k: v for k, v in data.items() if v}}, None)
    if name and name != org.cloud_config_name:
        org = linking.rename(org, name)
    return render(org)


@bp.route("/v1/cloud-configs/{cc_uuid}", methods=["DELETE"])
@json_view
def delete_cloud_config(cc_uuid):
    org = _own(organization(bp.current_request), cc_uuid)
    rendered = render(org)
    try:
        linking.unlink(org)
    except linking.LinkError as e:
        raise link_error(e) from None
    return {**rendered, "status": "DELETED"}
