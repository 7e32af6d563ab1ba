"""Lists page as the SDK reads them; another workspace's cluster and notebooks are unknown."""
from __future__ import annotations

from chalicelib.store import aggregates
from local import seed

from . import helpers as h


def test_list_pages_and_another_workspace_sees_nothing(platform):
    cluster = h.running_cluster(platform)
    made = [h.create(platform, cluster["uuid"], name=f"nb{i}") for i in range(3)]
    page = platform.request("GET", "/v1/notebooks?page=2&size=2").json_body
    assert page["metadata"] == {"page": 2, "size": 2, "total_pages": 2, "total_items": 3,
                                "order": "ASC"}
    assert [n["name"] for n in page["data"]] == ["nb2"]
    one = platform.request("GET", f"/v1/notebooks?uuid={made[1]['uuid']}").json_body
    assert [n["uuid"] for n in one["data"]] == [made[1]["uuid"]]
    by_cluster = platform.request("GET", f"/v1/notebooks?clusterUUID={cluster['uuid']}")
    assert by_cluster.json_body["metadata"]["total_items"] == 3

    # A second workspace's key: the first one's cluster and notebooks do not exist for it.
    org = platform.demo.organization
    ws2 = seed.create_workspace(org, "second", "us-east-1")
    from chalicelib.identity import clients
    client, secret = clients.create_client(org.uuid, ws2.uuid, "second key")
    other = platform.headers(client.client_id, secret)
    reply = platform.request("POST", "/v1/notebooks", {
        "name": "x", "instanceType": "t3.large", "clusterUUID": cluster["uuid"]}, headers=other)
    assert reply.status_code == 400 and reply.json_body["field"] == "clusterUUID"
    assert platform.request("GET", f"/v1/notebooks/{made[0]['uuid']}",
                            headers=other).status_code == 404
    assert platform.request("DELETE", f"/v1/notebooks/{made[0]['uuid']}",
                            headers=other).status_code == 404
    assert platform.request("GET", "/v1/notebooks", headers=other).json_body["data"] == []
    assert list(aggregates.rows("notebook", ws2.uuid)) == []
    for n in made:
        assert platform.request("DELETE", f"/v1/notebooks/{n['uuid']}").status_code == 200
    for n in made:
        h.until(platform, n["uuid"], "TERMINATED")
