"""The organization's secrets (cluster SSH keys, git credentials) in SSM Parameter Store, under
one prefix per organization (org_network.machine.secrets_prefix): nothing is made ahead (a
parameter is written when a secret is), its owner deletes it (a cluster its key at removal),
and a region's cleanup removes whatever is left under the prefix there."""
from __future__ import annotations

from ..kernel.errors import CloudError
from .sessions import call


def delete_all(ssm, prefix: str) -> list[str]:
    """Delete every parameter under `prefix`; their names."""
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix.rstrip("/"),
                                                                   Recursive=True)
    names = call(lambda: [p["Name"] for page in pages for p in page["Parameters"]])
    for start in range(0, len(names), 10):
        call(ssm.delete_parameters, Names=names[start:start + 10])
    return names


def put(ssm, name: str, value: str, tags: dict, description: str) -> None:
    """Write a secret once (SecureString, the account's aws/ssm key), tagged. Converged: a
    parameter an interrupted attempt wrote is kept (its value is the one the nodes read) and
    gets its tags."""
    try:
        call(ssm.put_parameter, Name=name, Value=value, Type="SecureString",
             Description=description, Tier="Standard",
             Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    except CloudError as e:
        if e.code != "ParameterAlreadyExists":
            raise
        call(ssm.add_tags_to_resource, ResourceType="Parameter", ResourceId=name,
             Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def delete(ssm, name: str) -> None:
    """Delete one secret; one already gone is fine."""
    try:
        call(ssm.delete_parameter, Name=name)
    except CloudError as e:
        if e.code != "ParameterNotFound":
            raise
