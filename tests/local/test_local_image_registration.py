"""RegisterImage attributes and tags; distinct creation dates."""

from __future__ import annotations


def test_register_image_keeps_tags_and_attributes(customer_aws):
    ec2 = customer_aws("ec2")
    image_id = ec2.register_image(
        Name="img",
        Architecture="arm64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "k", "Value": "v"}]}],
    )["ImageId"]
    [image] = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert image["Tags"] == [{"Key": "k", "Value": "v"}]
    assert image["Architecture"] == "arm64"
    assert image["VirtualizationType"] == "hvm"
    assert image["RootDeviceName"] == "/dev/xvda"
    by_tag = ec2.describe_images(Filters=[{"Name": "tag:k", "Values": ["v"]}])["Images"]
    assert [i["ImageId"] for i in by_tag] == [image_id]


def test_images_get_distinct_increasing_creation_dates(customer_aws, own_ami):
    ec2 = customer_aws("ec2")
    registered = [own_ami] + [ec2.register_image(Name=f"img-{n}")["ImageId"] for n in range(3)]
    instance_id = ec2.run_instances(ImageId=own_ami, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    registered.append(ec2.create_image(InstanceId=instance_id, Name="from-instance")["ImageId"])
    dates = {
        i["ImageId"]: i["CreationDate"]
        for i in ec2.describe_images(ImageIds=registered)["Images"]
    }
    ordered = [dates[i] for i in registered]
    assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered)
