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


def test_an_organization_key_sees_the_organizations_own_tasks(platform):
    org = platform.headers(platform.demo.org_client_id, platform.demo.org_secret)
    tasks = platform.request("GET", "/v1/tasks", headers=org).json_body["data"]
    operations = {t["operation"] for t in tasks}
    assert "CREATE_WORKSPACE" in operations  # the demo workspace
    assert all(t["status"] == "FINISHED" for t in tasks if t["operation"] == "CREATE_WORKSPACE")
    one = platform.request("GET", f"/v1/tasks/{tasks[0]['uuid']}", headers=org)
    assert one.status_code == 200 and one.json_body["uuid"] == tasks[0]["uuid"]
    # ...and not the workspace's cluster tasks, which a workspace key reads.
    c = platform.create_cluster()
    assert platform.request("GET", f"/v1/tasks/{c['taskUUID']}", headers=org).status_code == 404
