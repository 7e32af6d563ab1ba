"""IAM SimulatePrincipalPolicy for roles, which moto 5.2.5 does not implement.

The role's inline policies and the default versions of its attached managed policies are
evaluated as IAM does for one account:

* a statement applies when its ``Action`` matches (wildcards ``*`` and ``?``, case-blind; or
  its ``NotAction`` does not), its ``Resource`` matches (``*`` or ARN patterns, ``NotResource``
  the other way round; ``${aws:PrincipalArn}`` and ``${aws:username}``-style variables taken
  from the context, the principal's ARN being the role's) and its conditions hold;
* an applying ``Deny`` wins (``explicitDeny``), else an applying ``Allow`` gives ``allowed``,
  else ``implicitDeny``.

Resources: with no ``ResourceArns`` the simulated resource is ``"*"``, which, as on AWS,
matches only a statement whose Resource is ``"*"`` (or a pattern that matches the string
``*``). Each action is evaluated for each resource; ``ResourceSpecificResults`` are given
when ARNs were named, and the action's ``EvalDecision`` sums them up (explicitDeny if any
resource was explicitly denied, allowed if all were allowed, implicitDeny otherwise).

Conditions: String*, Arn*, Null, Bool and Numeric* operators, ``…IfExists``, and the
``ForAnyValue:``/``ForAllValues:`` set prefixes, over the ``ContextEntries`` given. A key
the context lacks fails a positive operator and satisfies a negated one (StringNotEquals...),
as on AWS; such keys are reported in ``MissingContextValues``.

Answers ``NoSuchEntity`` for an unknown role and ``InvalidInput`` for a source that is not a
role; pagination by ``MaxItems``/``Marker`` over the results, as AWS does.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from typing import Any
from urllib.parse import unquote

from moto.core.responses import ActionResult
from moto.iam.exceptions import InvalidInput, NoSuchEntity, NotFoundException
from moto.iam.models import iam_backends
from moto.iam.responses import IamResponse
from moto.utilities.utils import get_partition

from ._patching import add_method

_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")
_VARIABLE = re.compile(r"\$\{([^}]+)\}")

Context = dict[str, list[str]]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


# ---- matching --------------------------------------------------------------------------------

def _like(value: str, pattern: str, case: bool = True) -> bool:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character, nothing else special."""
    return _wildcard(pattern, case).fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, case: bool) -> re.Pattern:
    """A policy pattern as a regular expression, compiled once (a simulation matches the same
    few hundred patterns thousands of times)."""
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(expression, re.DOTALL if case else re.IGNORECASE | re.DOTALL)


def _substitute(pattern: str, context: Context) -> str | None:
    """Fill in ``${key}`` policy variables; None when one has no value (the statement then
    matches nothing, as on AWS)."""
    missing = False

    def value(m: re.Match) -> str:
        nonlocal missing
        key = m.group(1)
        if key in ("*", "?", "$"):
            return key
        found = _lookup(context, key)
        if not found:
            missing = True
            return ""
        return found[0]

    filled = _VARIABLE.sub(value, pattern)
    return None if missing else filled


def action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_like(action, a, case=False) for a in _as_list(statement["NotAction"]))
    return any(_like(action, a, case=False) for a in _as_list(statement.get("Action")))


def resource_matches(statement: dict[str, Any], resource: str, context: Context) -> bool:
    def matches(patterns: Any) -> bool:
        for pattern in _as_list(patterns):
            filled = _substitute(pattern, context)
            if filled is not None and (filled == "*" or _like(resource, filled)):
                return True
        return False

    if "NotResource" in statement:
        return not matches(statement["NotResource"])
    return matches(statement.get("Resource"))


# ---- conditions ------------------------------------------------------------------------------

def _lookup(context: Context, key: str) -> list[str]:
    lowered = key.lower()
    for name, values in context.items():
        if name.lower() == lowered:
            return values
    return []


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


_POSITIVE = {
    "stringequals": lambda v, p: v == p,
    "stringequalsignorecase": lambda v, p: v.lower() == p.lower(),
    "stringlike": lambda v, p: _like(v, p),
    "arnequals": lambda v, p: _like(v, p),
    "arnlike": lambda v, p: _like(v, p),
    "bool": lambda v, p: v.lower() == p.lower(),
    "numericequals": lambda v, p: _number(v) is not None and _number(v) == _number(p),
    "numericlessthan": lambda v, p: None not in (_number(v), _number(p)) and _number(v) < _number(p),
    "numericlessthanequals": lambda v, p: None not in (_number(v), _number(p)) and _number(v) <= _number(p),
    "numericgreaterthan": lambda v, p: None not in (_number(v), _number(p)) and _number(v) > _number(p),
    "numericgreaterthanequals": lambda v, p: None not in (_number(v), _number(p)) and _number(v) >= _number(p),
}
_NEGATED = {"stringnotequals": "stringequals", "stringnotequalsignorecase": "stringequalsignorecase",
            "stringnotlike": "stringlike", "arnnotequals": "arnequals", "arnnotlike": "arnlike",
            "numericnotequals": "numericequals"}


class UnknownOperator(ValueError):
    pass


def _clause_holds(operator: str, key: str, patterns: list[str], context: Context,
                  missing: set[str]) -> bool:
    op = operator.lower()
    quantifier = None
    if ":" in op:
        quantifier, op = op.split(":", 1)
    if_exists = op.endswith("ifexists")
    op = op[: -len("ifexists")] if if_exists else op
    values = _lookup(context, key)
    if op == "null":
        return (not values) == (str(patterns[0]).lower() == "true")
    if not values:
        missing.add(key)
        return if_exists or op in _NEGATED or quantifier == "forallvalues"
    negated = op in _NEGATED
    compare = _POSITIVE.get(_NEGATED.get(op, op))
    if compare is None:
        raise UnknownOperator(operator)
    hit = [any(compare(v, str(p)) for p in patterns) for v in values]
    if quantifier == "forallvalues":
        held = all(hit)
    else:   # ForAnyValue, and a plain operator over a (usually single) value
        held = any(hit)
    return not held if negated else held


def conditions_hold(statement: dict[str, Any], context: Context, missing: set[str]) -> bool:
    for operator, clauses in (statement.get("Condition") or {}).items():
        for key, patterns in clauses.items():
            substituted = [_substitute(str(p), context) or "" for p in _as_list(patterns)]
            if not _clause_holds(operator, key, substituted, context, missing):
                return False
    return True


def decide(policies: list[dict[str, Any]], action: str, resource: str,
           context: Context) -> tuple[str, list[dict], set[str]]:
    """allowed / explicitDeny / implicitDeny for one action on one resource, with the
    statements that decided it and the context keys the conditions asked for but lacked."""
    allows, missing = [], set()
    for number, policy in enumerate(policies):
        for statement in _as_list(policy.get("Statement")):
            if not (action_matches(statement, action)
                    and resource_matches(statement, resource, context)
                    and conditions_hold(statement, context, missing)):
                continue
            if statement.get("Effect") == "Deny":
                return "explicitDeny", [statement], missing
            if statement.get("Effect") == "Allow":
                allows.append(statement)
    return ("allowed" if allows else "implicitDeny"), allows, missing


# ---- the IAM call ----------------------------------------------------------------------------

def role_policies(region: str, role_arn: str) -> list[dict[str, Any]]:
    """The role's inline policies and its attached managed policies' default versions."""
    match = _ROLE_ARN.match(role_arn or "")
    if match is None:
        raise InvalidInput(
            f"Invalid Entity Arn: {role_arn} does not clearly define entity type and name.")
    iam = iam_backends[match.group(1)][get_partition(region)]
    try:
        role = iam.get_role_by_arn(role_arn)
    except NotFoundException:
        raise NoSuchEntity(f"Role {match.group(2)} cannot be found.") from None
    documents = [_document(d) for d in role.policies.values()]
    for policy in role.managed_policies.values():
        version = next(v for v in policy.versions if v.version_id == policy.default_version_id)
        documents.append(_document(version.document))
    return documents


def _context(entries: list[dict[str, Any]], role_arn: str) -> Context:
    context: Context = {"aws:PrincipalArn": [role_arn]}
    for entry in entries or []:
        context[entry["ContextKeyName"]] = [str(v) for v in entry.get("ContextKeyValues") or []]
    return context


def _simulate_one(policies, action: str, resources: list[str] | None,
                  context: Context) -> dict[str, Any]:
    named = resources is not None
    per_resource = []
    missing: set[str] = set()
    for resource in resources if named else ["*"]:
        decision, statements, lacked = decide(policies, action, resource, context)
        missing |= lacked
        per_resource.append({"EvalResourceName": resource, "EvalResourceDecision": decision,
                             "MatchedStatements": [{"SourcePolicyType": "IAM Policy"}
                                                   for _ in statements],
                             "MissingContextValues": sorted(lacked)})
    decisions = {r["EvalResourceDecision"] for r in per_resource}
    overall = ("explicitDeny" if "explicitDeny" in decisions
               else "allowed" if decisions == {"allowed"} else "implicitDeny")
    result = {"EvalActionName": action, "EvalResourceName": resources[0] if named else "*",
              "EvalDecision": overall, "MatchedStatements": per_resource[0]["MatchedStatements"],
              "MissingContextValues": [] if named else sorted(missing)}
    if named:
        result["ResourceSpecificResults"] = per_resource
    return result


def simulate_principal_policy(self: Any) -> ActionResult:
    source = self._get_param("PolicySourceArn")
    actions = self._get_param("ActionNames", [])
    resources = self._get_param("ResourceArns") or None
    if not actions:
        raise InvalidInput("ActionNames must not be empty.")
    policies = role_policies(self.region, source)
    context = _context(self._get_param("ContextEntries", []), source)
    results = [_simulate_one(policies, a, resources, context) for a in actions]
    start = int(self._get_param("Marker") or 0)
    size = int(self._get_param("MaxItems") or 100)
    page = results[start:start + size]
    reply: dict[str, Any] = {"EvaluationResults": page,
                             "IsTruncated": start + size < len(results)}
    if reply["IsTruncated"]:
        reply["Marker"] = str(start + size)
    return ActionResult(reply)


def install() -> None:
    add_method(IamResponse, "simulate_principal_policy", simulate_principal_policy)
