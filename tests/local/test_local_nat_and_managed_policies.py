"""The emulator as AWS: a deleted NAT gateway frees its Elastic IP and interface, and the AWS
managed policies the node role attaches exist in every account."""
from __future__ import annotations


def test_deleting_a_nat_gateway_frees_its_address_and_interface(customer_aws):
    ec2 = customer_aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=alloc)["NatGateway"]
    assert ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0].get("AssociationId")
    enis = ec2.describe_network_interfaces(Filters=[
        {"Name": "subnet-id", "Values": [subnet]}])["NetworkInterfaces"]
    assert len(enis) == 1
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert not ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0].get(
        "AssociationId")
    assert ec2.describe_network_interfaces(Filters=[
        {"Name": "subnet-id", "Values": [subnet]}])["NetworkInterfaces"] == []
    ec2.release_address(AllocationId=alloc)


def test_the_node_roles_managed_policies_can_be_attached(customer_aws):
    iam = customer_aws("iam")
    iam.create_role(RoleName="corral-node-x", AssumeRolePolicyDocument="{}")
    for name in ("AmazonSSMManagedInstanceCore", "AmazonElasticFileSystemClientReadWriteAccess"):
        iam.attach_role_policy(RoleName="corral-node-x",
                               PolicyArn=f"arn:aws:iam::aws:policy/{name}")
    assert len(iam.list_attached_role_policies(RoleName="corral-node-x")[
        "AttachedPolicies"]) == 2
