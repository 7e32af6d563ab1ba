"""STS AssumeRole that honours the role's trust policy.

moto lets anyone assume any role ARN, even one that does not exist, and
ignores ExternalId.  Here AssumeRole fails with ``AccessDenied`` (HTTP 403,
``User: <caller arn> is not authorized to perform: sts:AssumeRole on
resource: <role arn>``) unless:

* the role exists in the target account's IAM backend, and
* its trust policy has an ``Allow`` statement for ``sts:AssumeRole`` (``sts:*``
  and ``*`` count) whose ``Principal`` is ``"*"`` or whose ``Principal.AWS``
  names the caller: ``"*"``, the caller's account (bare id or
  ``arn:aws:iam::<acct>:root``), the caller's user ARN, or, for an assumed-role
  caller, its role ARN or assumed-role session ARN, and
* that statement's ``StringEquals``/``StringLike`` (also ``…IgnoreCase``)
  conditions on ``sts:ExternalId`` match the request's ExternalId (a missing
  ExternalId never matches), and
* no ``Deny`` statement matches the same way.

Other condition keys and operators are ignored (treated as satisfied); the
caller's own identity policies are not evaluated.  The caller is identified
by the request's access key, as moto does (unknown keys are the default
account's ``user/moto``).  On success moto's behaviour is kept: the returned
credentials act in the role's account.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any
from urllib.parse import unquote

from moto.core.exceptions import AccessDeniedError
from moto.iam.exceptions import NotFoundException
from moto.iam.models import get_account_id_from, iam_backends
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse
from moto.utilities.utils import get_partition

from ._patching import wrap_method

_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):role/.+$")
_EXTERNAL_ID_OPERATORS = {
    "stringequals": lambda value, pattern: value == pattern,
    "stringlike": lambda value, pattern: fnmatch.fnmatchcase(value, pattern),
    "stringequalsignorecase": lambda value, pattern: value.lower() == pattern.lower(),
}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _trust_policy(role: Any) -> dict[str, Any]:
    document = role.assume_role_policy_document or "{}"
    if isinstance(document, dict):
        return document
    try:
        return json.loads(document)
    except ValueError:
        return json.loads(unquote(document))


def _caller(access_key: str, region: str) -> tuple[str, set[str]]:
    """The caller's ARN (for messages) and every principal string naming it."""
    account = get_account_id_from(access_key)
    sts = sts_backends[account][get_partition(region)]
    _, arn, _ = sts.get_caller_identity(access_key, region)
    names = {arn, account, f"arn:{get_partition(region)}:iam::{account}:root"}
    assumed = sts.get_assumed_role_from_access_key(access_key)
    if assumed is not None:
        names.add(assumed.role_arn)
    return arn, names


def _action_matches(statement: dict[str, Any]) -> bool:
    return any(
        fnmatch.fnmatchcase("sts:assumerole", action.lower())
        for action in _as_list(statement.get("Action"))
    )


def _principal_matches(statement: dict[str, Any], caller_names: set[str]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return any(p == "*" or p in caller_names for p in _as_list(principal.get("AWS")))


def _conditions_hold(statement: dict[str, Any], external_id: str | None) -> bool:
    for operator, clauses in (statement.get("Condition") or {}).items():
        compare = _EXTERNAL_ID_OPERATORS.get(operator.lower())
        if compare is None:
            continue
        for key, patterns in clauses.items():
            if key.lower() != "sts:externalid":
                continue
            if external_id is None:
                return False
            if not any(compare(external_id, str(p)) for p in _as_list(patterns)):
                return False
    return True


def trust_allows(
    policy: dict[str, Any], caller_names: set[str], external_id: str | None
) -> bool:
    """Evaluate a trust policy for sts:AssumeRole by the named caller."""
    allowed = False
    for statement in _as_list(policy.get("Statement")):
        if not (
            _action_matches(statement)
            and _principal_matches(statement, caller_names)
            and _conditions_hold(statement, external_id)
        ):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def check_assume_role(access_key: str, region: str, role_arn: str, external_id: str | None) -> None:
    """Raise AccessDenied unless the caller may assume ``role_arn``."""
    caller_arn, caller_names = _caller(access_key, region)
    denied = AccessDeniedError(
        user_arn=caller_arn, action=f"sts:AssumeRole on resource: {role_arn}"
    )
    match = _ROLE_ARN.match(role_arn or "")
    if match is None:
        raise denied
    iam = iam_backends[match.group(1)][get_partition(region)]
    try:
        role = iam.get_role_by_arn(role_arn)
    except NotFoundException:
        raise denied
    if not trust_allows(_trust_policy(role), caller_names, external_id):
        raise denied


def _assume_role(original: Any) -> Any:
    def assume_role(self: Any) -> Any:
        check_assume_role(
            self.get_access_key(),
            self.region,
            self._get_param("RoleArn"),
            self._get_param("ExternalId"),
        )
        return original(self)

    return assume_role


def install() -> None:
    wrap_method(TokenResponse, "assume_role", _assume_role)
