"""The AWS managed policies Corral attaches to its node role, present in every account as on
AWS.

moto 5.2.5 knows AWS's managed policies only when told to load all 1,500 of them
(MOTO_IAM_LOAD_MANAGED_POLICIES, seconds per account); otherwise AttachRolePolicy answers
NoSuchEntity for ``arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore``. Here, without that
setting, each IAM backend starts with the few policies listed in NEEDED (from moto's own copy
of AWS's definitions)."""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam.models import AWSManagedPolicy, IAMBackend

from ._patching import wrap_method

NEEDED = ("AmazonSSMManagedInstanceCore", "AmazonElasticFileSystemClientReadWriteAccess")


@functools.cache
def _definitions() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    data = json.loads(aws_managed_policies_data)
    return {name: data[name] for name in NEEDED}


def _with_needed(original: Any) -> Any:
    def init_aws_policies(self: Any) -> list:
        policies = original(self)
        if policies:          # moto loaded them all: nothing to add
            return policies
        return [AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
                for name, data in _definitions().items()]

    return init_aws_policies


def install() -> None:
    wrap_method(IAMBackend, "_init_aws_policies", _with_needed)
