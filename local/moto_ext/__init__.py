"""Corral's extensions to moto 5.2.5 for what local mode needs and moto lacks.

``install()`` monkeypatches moto's response/backend classes in this process,
so it affects both ``moto.mock_aws()`` and a ``ThreadedMotoServer`` started
here.  It is idempotent.  One module per extension:

* ``placement_groups``   EC2 Create/Describe/DeletePlacementGroup(s)
* ``launch_checks``      RunInstances/CreateFleet: image and placement checks
* ``client_tokens``      CreateFleet idempotency by ClientToken
* ``fleet_templates``    launches honour the template's interfaces, profile and tags
* ``shared_images``      cross-account AMI sharing (DescribeImages, launch)
* ``image_registration`` RegisterImage tags/attributes, distinct CreationDate
* ``ssm_instance_information``  SSM DescribeInstanceInformation
* ``ssm_commands``       SSM Run Command: AWS-RunShellScript really run on this machine
* ``node_processes``     what a node's commands left running ends when it stops or terminates
* ``boot_time``          instances that take time to boot (off unless a test asks)
* ``sts_trust``          STS AssumeRole trust policy and ExternalId checks
* ``policy_simulation``  IAM SimulatePrincipalPolicy for roles (inline + managed policies)
* ``iam_auth``           IAM role writes check the caller's key, secret and policies
* ``marketplace``        Marketplace Metering ResolveCustomer (local/marketplace.py)
* ``dynamodb_atomic``    each DynamoDB request applied whole, as DynamoDB does
* ``nat_gateways``       DeleteNatGateway frees its interface and Elastic IP
* ``iam_managed_policies``  the AWS managed policies the node role attaches
* ``cloudfront_vpc_origins``    CloudFront VPC origins (and their service security group)
* ``cloudfront_distributions``  distributions strict on ETags, deletion and deployment, each
  served on a loopback port (``cloudfront_edge``) that carries its traffic to the origin
"""

from __future__ import annotations

import threading

from . import (
    boot_time,
    client_tokens,
    cloudfront_distributions,
    cloudfront_vpc_origins,
    dynamodb_atomic,
    fleet_templates,
    iam_auth,
    iam_managed_policies,
    image_registration,
    launch_checks,
    marketplace,
    nat_gateways,
    node_processes,
    placement_groups,
    policy_simulation,
    shared_images,
    ssm_commands,
    ssm_instance_information,
    sts_trust,
)

__all__ = ["install"]

_lock = threading.Lock()
_EXTENSIONS = (
    iam_managed_policies,
    placement_groups,
    shared_images,
    image_registration,
    launch_checks,
    fleet_templates,
    client_tokens,
    ssm_instance_information,
    ssm_commands,
    node_processes,
    boot_time,
    sts_trust,
    marketplace,
    iam_auth,
    policy_simulation,
    dynamodb_atomic,
    nat_gateways,
    cloudfront_vpc_origins,
    cloudfront_distributions,
)


def install() -> None:
    """Apply every extension (safe to call any number of times)."""
    with _lock:
        for extension in _EXTENSIONS:
            extension.install()
