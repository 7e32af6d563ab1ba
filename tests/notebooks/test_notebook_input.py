"""The notebook routes with bad input: each refusal a 4xx naming the field, nothing written;
another workspace's cluster or notebook is as unknown as one that does not exist; the list in
the SDK's shape."""
from __future__ import annotations

import uuid

import pytest

from chalicelib.store import aggregates

from . import helpers as h


@pytest.fixture(scope="module")
def setup(shared_platform):
    cluster = h.running_cluster(shared_platform)
    return shared_platform, cluster


def _nothing_written(platform):
    assert list(aggregates.rows("notebook", platform.demo.workspace.uuid)) == []


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": "", "instanceType": "t3.large"}, "name"),
    ({"name": "bad/name", "instanceType": "t3.large"}, "name"),
    ({"name": 7, "instanceType": "t3.large"}, "name"),
    ({"name": "nb"}, "instanceType"),
    ({"name": "nb", "instanceType": 3}, "instanceType"),
    ({"name": "nb", "instanceType": "t3.large"}, "clusterUUID"),
    ({"name": "nb", "instanceType": "t3.large", "clusterUUID": "not-a-uuid"}, "clusterUUID"),
    ({"name": "nb", "instanceType": "t3.large", "clusterUUID": str(uuid.uuid4())},
     "clusterUUID"),
    ({"name": "nb", "instanceType": "x9.mega", "clusterUUID": "CLUSTER"}, "instanceType"),
    ({"name": "nb", "instanceType": None, "clusterUUID": "CLUSTER"}, "instanceType"),
])
def test_bad_bodies_are_refused_naming_the_field(setup, body, field):
    platform, cluster = setup
    body = {k: (cluster["uuid"] if v == "CLUSTER" else v) for k, v in body.items()}
    reply = platform.request("POST", "/v1/notebooks", {**body, "_deprecated_fields": {}})
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"] == field, reply.json_body
    _nothing_written(platform)


def test_not_json_and_not_an_object(setup):
    platform, _ = setup
    assert platform.request("POST", "/v1/notebooks", "{nope").status_code == 400
    assert platform.request("POST", "/v1/notebooks", "[1]").status_code == 400
    _nothing_written(platform)


def test_a_cluster_that_is_not_running_is_refused(setup):
    platform, cluster = setup
    assert platform.request("PUT", f"/v1/clusters/{cluster['uuid']}/pause").status_code == 200
    platform.pump.drain()
    try:
        assert platform.cluster(cluster["uuid"])["status"] == "PAUSED"
        reply = platform.request("POST", "/v1/notebooks", {
            "name": "nb", "instanceType": "t3.large", "clusterUUID": cluster["uuid"]})
        assert reply.status_code == 400 and reply.json_body["field"] == "clusterUUID"
        assert "PAUSED" in reply.json_body["message"]
        _nothing_written(platform)
    finally:
        platform.request("PUT", f"/v1/clusters/{cluster['uuid']}/resume")
        platform.pump.drain()


def test_unknown_notebooks_are_404_and_the_list_is_the_sdk_shape(setup):
    platform, _ = setup
    missing = str(uuid.uuid4())
    assert platform.request("GET", f"/v1/notebooks/{missing}").status_code == 404
    reply = platform.request("DELETE", f"/v1/notebooks/{missing}")
    assert reply.status_code == 404 and isinstance(reply.json_body, dict)
    listed = platform.request("GET", "/v1/notebooks").json_body
    assert listed == {"data": [], "metadata": {"page": 1, "size": 20, "total_pages": 0,
                                               "total_items": 0, "order": "ASC"}}
    bad = platform.request("GET", "/v1/notebooks?status=SLEEPING")
    assert bad.status_code == 400 and bad.json_body["field"] == "status"
    bad = platform.request("GET", "/v1/notebooks?clusterUUID=x")
    assert bad.status_code == 400 and bad.json_body["field"] == "clusterUUID"


def test_an_organization_key_or_no_key_cannot_use_the_routes(setup):
    platform, cluster = setup
    org = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    reply = platform.request("POST", "/v1/notebooks", {
        "name": "nb", "instanceType": "t3.large", "clusterUUID": cluster["uuid"]}, headers=org)
    assert 400 <= reply.status_code < 500
    assert platform.http.get("/v1/notebooks").status_code == 401
    _nothing_written(platform)
