"""Issue 8: one DELETE of a workspace sent together with 7 cluster creates ended with the
workspace TERMINATED and 7 clusters RUNNING. Now a cluster's creation is written only while its
workspace accepts clusters (READY), and a workspace stops accepting (its removal) only while
none of its clusters is alive: both are conditions of the transaction that writes them, so
whichever is written first wins and the other is refused with a clear 409."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from chalicelib.clusters import commands as clusters
from chalicelib.kernel import holds
from chalicelib.workspaces import commands as workspaces

from .helpers import org_headers

CREATES = 7


def _cluster_body(i: int) -> dict:
    return {"name": f"race-{i}", "instanceType": "c5.2xlarge", "workersQuantity": 1}


def test_a_removal_sent_with_creates_never_leaves_clusters_behind(platform):
    ws_uuid = platform.demo.workspace.uuid
    org, key = org_headers(platform), platform.headers()
    start = threading.Barrier(CREATES + 1)

    def send(i: int):
        start.wait()
        if i == CREATES:
            return platform.request("DELETE", f"/v1/workspaces/{ws_uuid}", headers=org)
        return platform.request("POST", "/v1/clusters", _cluster_body(i), headers=key)

    with ThreadPoolExecutor(max_workers=CREATES + 1) as pool:
        replies = list(pool.map(send, range(CREATES + 1)))
    *creates, removal = replies
    assert {r.status_code for r in replies} <= {200, 409}, [
        (i, r.status_code, r.body) for i, r in enumerate(replies) if r.status_code not in (200, 409)]
    created = [r.json_body["uuid"] for r in creates if r.status_code == 200]
    # The removal went through exactly when no create did.
    assert (removal.status_code == 200) == (not created), (removal.body, created)
    platform.settle()
    ws = workspaces.get(platform.demo.organization.uuid, ws_uuid)
    if created:
        assert ws.status.value == "READY"
        assert {platform.cluster(u)["status"] for u in created} == {"RUNNING"}
    else:
        assert ws.status.value == "TERMINATED"
        assert all("READY" in r.json_body["message"] for r in creates)


def test_a_cluster_created_between_the_check_and_the_removal_stops_it(platform, monkeypatch):
    """The removal looked and saw no cluster; a cluster is created before the removal is
    written: the removal is refused, naming it."""
    ws_uuid = platform.demo.workspace.uuid
    looked = holds.held

    def look_then_create(container, org_uuid, container_uuid):
        found = looked(container, org_uuid, container_uuid)
        if container == holds.WORKSPACE and not found:
            monkeypatch.setattr(holds, "held", looked)       # once
            assert platform.request("POST", "/v1/clusters", _cluster_body(0)).status_code == 200
        return found

    monkeypatch.setattr(holds, "held", look_then_create)
    refused = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}",
                               headers=org_headers(platform))
    assert refused.status_code == 409, refused.body
    assert "race-0" in refused.json_body["message"]
    assert workspaces.get(platform.demo.organization.uuid, ws_uuid).status.value == "READY"


def test_a_create_checked_before_the_removal_is_refused_after_it(platform):
    """The create saw the workspace READY; its removal is written before the create is: the
    create is refused (409 through the API), nothing is launched."""
    from chalicelib.clusters import shapes
    org_uuid, ws_uuid = platform.demo.organization.uuid, platform.demo.workspace.uuid
    seen = workspaces.get(org_uuid, ws_uuid)
    spec = shapes.parse_create(seen, _cluster_body(1))
    removal = platform.request("DELETE", f"/v1/workspaces/{ws_uuid}",
                               headers=org_headers(platform))
    assert removal.status_code == 200
    try:
        clusters.create(seen, spec)
    except Exception as e:  # noqa: BLE001 - the refusal the API answers with a 409
        assert type(e).__name__ == "DomainError" and "TERMINATING" in str(e), e
    else:
        raise AssertionError("a cluster was created in a workspace being removed")
    platform.settle()
    assert workspaces.get(org_uuid, ws_uuid).status.value == "TERMINATED"
    assert platform.customer("ec2").describe_instances(
        Filters=[{"Name": "tag-key", "Values": ["corral:cluster"]},
                 {"Name": "instance-state-name", "Values": ["pending", "running"]}]
    )["Reservations"] == []
