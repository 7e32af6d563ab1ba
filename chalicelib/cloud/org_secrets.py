"""The organization's secrets (cluster SSH keys, git credentials) in SSM Parameter Store, under
one prefix per organization (org_network.machine.secrets_prefix): nothing is made ahead (a
parameter is written when a secret is), and a region's cleanup removes whatever is left under
the prefix there."""
from __future__ import annotations

from .sessions import call


def delete_all(ssm, prefix: str) -> list[str]:
    """Delete every parameter under `prefix`; their names."""
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix.rstrip("/"),
                                                                   Recursive=True)
    names = call(lambda: [p["Name"] for page in pages for p in page["Parameters"]])
    for start in range(0, len(names), 10):
        call(ssm.delete_parameters, Names=names[start:start + 10])
    return names
