"""The launch template a cluster's nodes start from, as AWS needs it: the node profile (else
SSM never sees a node), an EFA interface when asked, a public IP only with SSH open, tags on
the instance, its volumes and its interfaces, and user data that mounts the EFS at /shared."""
from __future__ import annotations

import base64

from chalicelib.cloud import fleet

ARN = "arn:aws:iam::210987654321:instance-profile/corral-node-o-us-east-1"


def _spec(**kw) -> fleet.LaunchSpec:
    base = dict(cluster_uuid="c1", image_id="ami-1", instance_type="c5n.18xlarge", count=2,
                subnet_id="subnet-1", security_group_ids=("sg-1",), placement_group="pg",
                efa=False, tags={"corral:cluster": "c1"}, instance_profile_arn=ARN,
                file_system_id="fs-0123abcd")
    return fleet.LaunchSpec(**{**base, **kw})


def test_profile_tags_and_private_interface():
    data = fleet.template_data(_spec())
    assert data["IamInstanceProfile"] == {"Arn": ARN}
    (nic,) = data["NetworkInterfaces"]
    assert nic["AssociatePublicIpAddress"] is False and "InterfaceType" not in nic
    assert nic["SubnetId"] == "subnet-1" and nic["Groups"] == ["sg-1"]
    assert {t["ResourceType"] for t in data["TagSpecifications"]} == {
        "instance", "volume", "network-interface"}


def test_efa_and_public_ip_when_asked():
    (nic,) = fleet.template_data(_spec(efa=True, public_ip=True))["NetworkInterfaces"]
    assert nic["InterfaceType"] == "efa" and nic["AssociatePublicIpAddress"] is True


def test_user_data_mounts_efs_and_installs_the_key_for_bodo():
    data = fleet.template_data(_spec(ssh_public_key="ssh-ed25519 AAAA me"))
    script = base64.b64decode(data["UserData"]).decode()
    assert "mount -t efs -o tls fs-0123abcd:/ /shared" in script
    assert "fs-0123abcd:/ /shared efs _netdev,tls 0 0' >> /etc/fstab" in script
    assert "amazon-efs-utils" in script
    assert "/home/bodo/.ssh/authorized_keys" in script and "ssh-ed25519 AAAA me" in script
    bare = base64.b64decode(fleet.template_data(
        _spec(file_system_id=None))["UserData"]).decode()
    assert "mount" not in bare and "authorized_keys" not in bare


def test_user_data_installs_the_clusters_own_key_for_root_and_bodo():
    script = base64.b64decode(fleet.template_data(_spec(
        node_key_parameter="/corral/o/clusters/c1/ssh-key", region="us-east-2"))["UserData"]).decode()
    assert ("aws ssm get-parameter --region us-east-2 --with-decryption "
            "--name /corral/o/clusters/c1/ssh-key") in script
    assert "for home in /root /home/bodo" in script and "ssh-keygen -y" in script
    assert "StrictHostKeyChecking no" in script
