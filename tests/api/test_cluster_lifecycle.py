"""A cluster through HTTP, from request to RUNNING to removed, checked in the customer's account."""


def test_create_run_remove(platform):
    created = platform.create_cluster(name="alpha", workersQuantity=3)
    assert created["status"] == "NEW"
    platform.settle()
    running = platform.cluster(created["uuid"])
    assert running["status"] == "RUNNING"
    assert len(running["nodesIp"]) == 3
    instances = platform.customer_instances(created["uuid"])
    assert {i["State"]["Name"] for i in instances} == {"running"}
    removed = platform.request("DELETE", f"/v1/clusters/{created['uuid']}")
    assert removed.status_code == 200 and removed.json_body["status"] == "TERMINATING"
    platform.settle()
    assert platform.cluster(created["uuid"])["status"] == "TERMINATED"
    assert {i["State"]["Name"] for i in platform.customer_instances(created["uuid"])} == {"terminated"}
