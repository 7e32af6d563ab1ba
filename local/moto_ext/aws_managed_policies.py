"""The few AWS-managed IAM policies Corral attaches, present in every account.

moto 5.2.5 knows AWS's managed policies only when told to load all of them
(``MOTO_IAM_LOAD_MANAGED_POLICIES``: over a thousand per account, seconds per test);
otherwise attaching ``arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`` to a role is
``NoSuchEntity``, which AWS never answers. Here every IAM backend starts with the policies
in ``NAMES`` (taken from moto's own copy of AWS's data), as well as whatever moto loads.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend

from ._patching import wrap_method

NAMES = (
    "AmazonSSMManagedInstanceCore",
    "AmazonElasticFileSystemClientReadWriteAccess",
    "AmazonS3ReadOnlyAccess",
    "CloudWatchAgentServerPolicy",
)


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    every = json.loads(aws_managed_policies_data)
    return {name: every[name] for name in NAMES if name in every}


def _init_aws_policies(original: Any) -> Any:
    def init(self: Any) -> list:
        policies = original(self)
        have = {p.name for p in policies}
        return policies + [AWSManagedPolicy.from_data(name, self.account_id, self.region_name, d)
                           for name, d in _data().items() if name not in have]

    return init


def install() -> None:
    wrap_method(IAMBackend, "_init_aws_policies", _init_aws_policies)
