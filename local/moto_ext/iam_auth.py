"""IAM role writes that check who is asking, as AWS does.

moto lets any access key create roles, even a key no account knows (it acts in the default
account). The platform's "create role for me" must tell apart keys that are not valid and
keys that lack permission, so here ``CreateRole``, ``PutRolePolicy``, ``GetRole`` and
``DeleteRole`` run moto's own request authorization (``moto.iam.access_control.IAMRequest``,
the code behind ``INITIAL_NO_AUTH_ACTION_COUNT``) for that one request:

* an access key id no account's IAM knows: ``InvalidClientTokenId`` (403),
* a known key signed with another secret: ``SignatureDoesNotMatch`` (403),
* a user whose policies do not allow the action: ``AccessDenied`` (403).

Every other IAM call keeps moto's behaviour (no checks), so the rest of the emulator and the
platform's own bootstrap are untouched. Assumed-role keys are evaluated the same way, against
the role's policies.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from moto.iam.access_control import IAMRequest
from moto.iam.responses import IamResponse

from ._patching import wrap_method

CHECKED = ("create_role", "put_role_policy", "get_role", "delete_role")


def authorize(response: Any) -> None:
    """Run moto's signature and policy checks on the request ``response`` is answering."""
    path = response.raw_path
    query = urlparse(response.uri).query
    if query:
        path += "?" + query
    request = IAMRequest(
        account_id=response.current_account,
        method=response.method,
        path=path,
        data=response.data,
        body=response.raw_body,
        headers=response.headers,
        action=response._get_action(),
    )
    request.check_signature()
    request.check_action_permitted(_resource(response))


def _resource(response: Any) -> str:
    """The ARN the action acts on, as AWS evaluates it (a statement limited to
    ``role/corral-node-*`` allows those roles only); "*" when the request names no role."""
    name = response._get_param("RoleName")
    if not name:
        return "*"
    return f"arn:aws:iam::{response.current_account}:role/{name}"


def _checked(original: Any) -> Any:
    def method(self: Any) -> Any:
        authorize(self)
        return original(self)

    return method


def install() -> None:
    for name in CHECKED:
        wrap_method(IamResponse, name, _checked)
