"""Bad cluster requests get a 400 naming the field, and nothing is written."""
from __future__ import annotations


import pytest

GOOD = {"name": "ok", "instanceType": "c5.2xlarge", "workersQuantity": 2}


@pytest.mark.parametrize("change, field", [
    ({"name": None}, "name"),
    ({"name": 5}, "name"),
    ({"name": "bad/name"}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"instanceType": None}, "instanceType"),
    ({"instanceType": "zz.mega"}, "instanceType"),
    ({"instanceType": "t2.nano"}, "instanceType"),
    ({"workersQuantity": 0}, "workersQuantity"),
    ({"workersQuantity": "2"}, "workersQuantity"),
    ({"workersQuantity": True}, "workersQuantity"),
    ({"workersQuantity": 10_000}, "workersQuantity"),
    ({"bodoVersion": "1999.1"}, "bodoVersion"),
    ({"autoStop": -1}, "autoStop"),
    ({"acceleratedNetworking": "yes"}, "acceleratedNetworking"),
    ({"acceleratedNetworking": True}, "acceleratedNetworking"),  # c5.2xlarge has no EFA
    ({"useSpotInstance": True}, "useSpotInstance"),
    ({"sshPublicKey": "hello"}, "sshPublicKey"),
    ({"allowedIps": ["300.1.1.1"]}, "allowedIps"),
    ({"allowedIps": "1.2.3.4"}, "allowedIps"),
    ({"customTags": {"corral:cluster": "x"}}, "customTags"),
    ({"customTags": ["a"]}, "customTags"),
])
def test_bad_field_is_named_and_nothing_is_written(platform, change, field):
    body = {**GOOD, **change}
    body = {k: v for k, v in body.items() if v is not None}
    reply = platform.request("POST", "/v1/clusters", body)
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"] == field
    assert platform.request("GET", "/v2/clusters").json_body["metadata"]["total_items"] == 0
    assert platform.request("GET", "/v1/tasks").json_body["data"] == []
    assert platform.pump.drain() == 0


@pytest.mark.parametrize("raw, status", [
    ("{not json", 400), ("[1, 2]", 400), ('"text"', 400), ("x" * 70_000, 413),
])
def test_malformed_bodies(platform, raw, status):
    reply = platform.request("POST", "/v1/clusters", raw)
    assert reply.status_code == status
    assert platform.request("GET", "/v2/clusters").json_body["metadata"]["total_items"] == 0


def test_sdk_junk_keys_are_ignored_and_options_are_kept(platform):
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host"
    c = platform.create_cluster(**{"_deprecated_fields": {}, "_deprecated_methods": {},
                                   "sshPublicKey": key, "allowedIps": ["203.0.113.7"],
                                   "autoStop": 60, "customTags": {"team": "data"},
                                   "bodoVersion": "2025.5", "instanceType": "c5n.18xlarge",
                                   "acceleratedNetworking": True, "workersQuantity": 1})
    assert c["sshPublicKey"] == key and c["allowedIps"] == ["203.0.113.7/32"]
    assert c["bodoVersion"] == "2025.5" and c["acceleratedNetworking"] is True
    assert c["coresPerWorker"] == 36 and c["isJobDedicated"] is False
    platform.settle()
    got = platform.cluster(c["uuid"])
    assert got["status"] == "RUNNING"
    instance = platform.customer_instances(c["uuid"])[0]
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["team"] == "data" and tags["corral:workspace"] == platform.demo.workspace.uuid
    assert instance["InstanceType"] == "c5n.18xlarge"
    groups = platform.customer("ec2").describe_security_groups(
        GroupIds=[g["GroupId"] for g in instance["SecurityGroups"]])["SecurityGroups"]
    ssh = [p for g in groups for p in g["IpPermissions"] if p.get("FromPort") == 22]
    assert [r["CidrIp"] for r in ssh[0]["IpRanges"]] == ["203.0.113.7/32"]
    platform.request("DELETE", f"/v1/clusters/{c['uuid']}")
    platform.settle()
    left = platform.customer("ec2").describe_security_groups(Filters=[
        {"Name": "tag:corral:cluster", "Values": [c["uuid"]]}])["SecurityGroups"]
    assert left == []


def test_unknown_cluster_is_404_and_list_pages(platform):
    assert platform.request("GET", "/v1/clusters/0b0e8a7e-0000-4000-8000-000000000000").status_code == 404
    for i in range(3):
        platform.create_cluster(name=f"c{i}")
    page = platform.request("GET", "/v2/clusters?page=2&size=2&ordering=name_asc").json_body
    assert page["metadata"] == {"page": 2, "size": 2, "total_pages": 2, "total_items": 3,
                                "order": "ASC"}
    assert [c["name"] for c in page["data"]] == ["c2"]
    assert platform.request("GET", "/v2/clusters?size=0").status_code == 400
    only = platform.request("GET", "/v2/clusters?status=NEW&status=RUNNING&clusterName=c1").json_body
    assert [c["name"] for c in only["data"]] == ["c1"]


def test_sdk_version_check_and_catalog(platform):
    ok = platform.request("GET", "/v1/sdk-versions/2.3.2").json_body
    assert ok["isDeprecated"] is False
    ws = platform.demo.workspace.uuid
    images = platform.request("GET", f"/v1/workspaces/{ws}/available-images").json_body
    versions = [o["label"]["bodo_version"] for o in images[0]["options"]]
    assert versions == ["2025.6", "2025.5", "2025.4"]  # the three latest, newest first
    types = platform.request("GET", f"/v1/workspaces/{ws}/available-instances").json_body
    names = {o["label"]["name"]: o["label"] for o in types[0]["options"]}
    assert names["c5n.18xlarge"]["acceleratedNetworking"] is True
    assert names["c5.2xlarge"]["vcpus"] == 8 and names["c5.2xlarge"]["cores"] == 4
