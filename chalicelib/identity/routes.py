"""The SDK's token exchange and version check."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import ApiError, body, json_view
from ..api.validate import string
from . import tokens
from .clients import authenticate

bp = Blueprint(__name__)
SDK_VERSIONS_SUPPORTED = ("2.3.2",)


@bp.route("/identity/resources/auth/v2/api-token", methods=["POST"])
@json_view
def api_token():
    b = body(bp.current_request)
    client_id = string(b, "clientId", required=True, max_len=128)
    secret = string(b, "secret", required=True, max_len=256)
    client = authenticate(client_id, secret)
    if client is None:
        raise ApiError(401, "Unauthorized", "unknown client id or wrong secret")
    return {"access_token": tokens.issue(client), "token_type": "Bearer"}


@bp.route("/v1/sdk-versions/{version}", methods=["GET"])
@json_view
def sdk_version(version):
    supported = version in SDK_VERSIONS_SUPPORTED
    return {"sdkVersion": version, "isDeprecated": not supported,
            "notes": "" if supported else f"Corral is tested with bodosdk "
                                          f"{', '.join(SDK_VERSIONS_SUPPORTED)}"}
