"""SSM DescribeInstanceInformation, which moto 5.2.5 does not implement.

An EC2 instance of the caller's account and region is a managed node with a
healthy SSM agent when its role lets the agent in:

* ``running`` instances are listed with ``PingStatus: "Online"``;
* ``stopping``/``stopped`` instances are listed as ``"ConnectionLost"``
  (AWS keeps a stopped node in the inventory with a lost connection);
* ``pending``, ``shutting-down`` and ``terminated`` instances are not listed, nor are
  instances still booting (``boot_time``: their SSM agent has not registered yet);
* nor is an instance without an instance profile whose role has the
  ``AmazonSSMManagedInstanceCore`` policy attached: on AWS its agent cannot register
  (``managed``), which is what every launch without the profile meets.

Supports ``Filters`` (InstanceIds, PingStatus, PlatformTypes, ResourceType,
AgentVersion, ``tag:<key>``, ``tag-key``), the legacy
``InstanceInformationFilterList`` (same keys, without tags; using both is a
ValidationException) and MaxResults (5..50, default 10) / NextToken.
"""

from __future__ import annotations

import base64
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ssm.exceptions import InvalidFilterKey, SSMException, ValidationException
from moto.ssm.responses import SimpleSystemManagerResponse

from . import boot_time
from ._patching import add_method

AGENT_VERSION = "3.3.987.0"
SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
_PING_STATUS = {"running": "Online", "stopping": "ConnectionLost", "stopped": "ConnectionLost"}
_KEYS = {  # filter key (lower case) -> field of the listed node
    "instanceids": "InstanceId",
    "pingstatus": "PingStatus",
    "platformtypes": "PlatformType",
    "resourcetype": "ResourceType",
    "agentversion": "AgentVersion",
}


def managed(instance: Any, account_id: str) -> bool:
    """Whether the instance's profile role has AmazonSSMManagedInstanceCore attached."""
    from moto.iam.models import iam_backends
    arn = (instance.iam_instance_profile or {}).get("Arn")
    if not arn:
        return False
    iam = iam_backends[account_id][instance.ec2_backend.partition]
    profile = next((p for p in iam.instance_profiles.values() if p.arn == arn), None)
    return profile is not None and any(
        SSM_CORE_POLICY in role.managed_policies for role in profile.roles)


def listed(instance: Any, account_id: str) -> bool:
    """In the SSM inventory at all (online or with a lost connection)."""
    return (instance.state in _PING_STATUS and boot_time.registered(instance)
            and managed(instance, account_id))


def online(instance: Any, account_id: str) -> bool:
    """Takes commands: listed and running."""
    return listed(instance, account_id) and instance.state == "running"


def _node(instance: Any) -> dict[str, Any]:
    windows = instance.platform == "windows"
    return {
        "InstanceId": instance.id,
        "PingStatus": _PING_STATUS[instance.state],
        "LastPingDateTime": utcnow(),
        "AgentVersion": AGENT_VERSION,
        "IsLatestVersion": True,
        "PlatformType": "Windows" if windows else "Linux",
        "PlatformName": "Microsoft Windows Server" if windows else "Amazon Linux",
        "PlatformVersion": "2022" if windows else "2023",
        "ResourceType": "EC2Instance",
        "IPAddress": instance.private_ip,
        "ComputerName": instance.private_dns_name,
        "SourceId": instance.id,
        "SourceType": "AWS::EC2::Instance",
    }


def _matches(node: dict[str, Any], tags: dict[str, str], key: str, values: list[str]) -> bool:
    if key.startswith("tag:"):
        return tags.get(key[4:]) in values
    if key == "tag-key":
        return any(k in values for k in tags)
    return node[_KEYS[key.lower()]] in values


def _filters(self: Any) -> list[tuple[str, list[str]]]:
    new = self._get_param("Filters") or []
    legacy = self._get_param("InstanceInformationFilterList") or []
    if new and legacy:
        raise ValidationException(
            "Filters and InstanceInformationFilterList cannot be used together."
        )
    pairs = [(f["Key"], f.get("Values", [])) for f in new]
    for f in legacy:
        if f["key"].startswith("tag"):
            raise InvalidFilterKey(f"The filter key {f['key']} is not valid.")
        pairs.append((f["key"], f.get("valueSet", [])))
    for key, _ in pairs:
        if not (key.startswith("tag:") or key == "tag-key" or key.lower() in _KEYS):
            raise InvalidFilterKey(f"The filter key {key} is not valid.")
    return pairs


def _page(self: Any, nodes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    max_results = self._get_int_param("MaxResults", 10)
    if not 5 <= max_results <= 50:
        raise ValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' "
            "failed to satisfy constraint: Member must have value between 5 and 50"
        )
    token = self._get_param("NextToken")
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise SSMException("InvalidNextToken", "The specified token is not valid.")
    end = start + max_results
    next_token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(nodes) else None
    return nodes[start:end], next_token


def describe_instance_information(self: Any) -> ActionResult:
    filters = _filters(self)
    backend = ec2_backends[self.current_account][self.region]
    nodes = []
    for instance in backend.all_instances():
        if not listed(instance, self.current_account):
            continue
        node = _node(instance)
        tags = {t["key"]: t["value"] for t in instance.get_tags()}
        if all(_matches(node, tags, key, values) for key, values in filters):
            nodes.append(node)
    page, next_token = _page(self, nodes)
    result: dict[str, Any] = {"InstanceInformationList": page}
    if next_token:
        result["NextToken"] = next_token
    return ActionResult(result)


def install() -> None:
    add_method(
        SimpleSystemManagerResponse, "describe_instance_information", describe_instance_information
    )
