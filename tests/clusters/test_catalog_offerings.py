"""The catalog lists only the types a cluster can use in the region: able to join a cluster
placement group, offered in at least one of its availability zones, with EFA as AWS reports
it; a create with any other type is a 400 that says which rule it breaks."""
from __future__ import annotations

from chalicelib.cloud import instance_types


def _listed(platform) -> dict[str, dict]:
    reply = platform.request("GET", f"/v1/workspaces/{platform.demo.workspace.uuid}"
                                    f"/available-instances")
    assert reply.status_code == 200, reply.body
    return {o["label"]["name"]: o["label"] for group in reply.json_body for o in group["options"]}


def test_only_cluster_placement_types_offered_in_the_region_are_listed(platform):
    listed = _listed(platform)
    assert "t2.micro" not in listed and "t3.large" not in listed  # no cluster strategy
    assert listed["c5n.18xlarge"]["acceleratedNetworking"] is True
    assert listed["c5.4xlarge"]["acceleratedNetworking"] is False
    ec2 = platform.customer("ec2")
    for name in ("c5n.18xlarge", "c5.4xlarge"):
        t = instance_types.describe(ec2, name)
        assert t.usable and set(t.zones) >= {"us-east-1a", "us-east-1b"}
    raw = instance_types.describe(ec2, "t3.large")
    assert raw is not None and not raw.cluster_placement and not raw.usable


def test_a_type_that_cannot_join_a_cluster_placement_group_is_refused(platform):
    reply = platform.request("POST", "/v1/clusters", {"name": "x", "instanceType": "t3.large",
                                                      "workersQuantity": 2})
    assert reply.status_code == 400 and reply.json_body["field"] == "instanceType"
    assert "cluster placement group" in reply.json_body["message"]


def test_efa_on_a_type_without_it_says_so(platform):
    reply = platform.request("POST", "/v1/clusters", {
        "name": "x", "instanceType": "c5.4xlarge", "workersQuantity": 2,
        "acceleratedNetworking": True})
    assert reply.status_code == 400
    assert reply.json_body["message"] == "acceleratedNetworking: c5.4xlarge does not support EFA"
