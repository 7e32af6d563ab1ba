"""install() is idempotent: repeated calls patch once."""

from __future__ import annotations

from moto.ec2.responses import EC2Response
from moto.sts.responses import TokenResponse

from local.moto_ext import install


def test_install_twice_patches_once():
    install()
    def current():
        return (EC2Response.run_instances, EC2Response.describe_images, TokenResponse.assume_role)

    patched = current()
    install()
    install()
    assert current() == patched


def test_repeated_install_keeps_behaviour(customer_aws, own_ami):
    install()
    ec2 = customer_aws("ec2")
    ec2.create_placement_group(GroupName="g", Strategy="cluster")
    instance = ec2.run_instances(
        ImageId=own_ami, MinCount=1, MaxCount=1, Placement={"GroupName": "g"}
    )["Instances"][0]
    assert instance["Placement"]["GroupName"] == "g"
