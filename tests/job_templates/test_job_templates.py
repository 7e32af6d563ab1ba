"""Job templates as the SDK creates, reads, updates and deletes them (BODOSDK.md §3, §4 T),
and runs from them: POST /v1/jobs naming the template with nothing but
`"jobConfig": {"storeResult": false}` runs the template's config, and the reply carries the
template's source."""
from __future__ import annotations

import pytest

from chalicelib.clusters import commands as clusters
from chalicelib.identity import clients, organizations
from local import seed

NEVER_IDLE = {"autoStop": 0, "autoPause": 0}
JUNK = {"_deprecated_fields": {}, "_deprecated_methods": {}}
SCRIPT = ("import os, sys\nif os.environ['PMI_RANK'] == '0':\n"
          "    print(sys.argv[1:], os.environ.get('GREETING'))\n")


def _source(path="/shared/app") -> dict:
    return {"type": "WORKSPACE", "sourceDef": {"type": "WORKSPACE", "path": path, **JUNK}}


def _template(**changes) -> dict:
    """A body as JobTemplateClient.create sends it (junk keys included)."""
    body = {"name": "nightly", "description": "the nightly one", **JUNK,
            "config": {"type": "PYTHON", "source": _source(), "sourceLocation": "main.py",
                       "args": "--day 'to day'", "envVars": {"GREETING": "hi"},
                       "storeResult": False, **JUNK}}
    body.update(changes)
    return body


def _create(platform, **changes) -> dict:
    reply = platform.request("POST", "/v1/job-templates", _template(**changes))
    assert reply.status_code == 200, reply.body
    return reply.json_body


def test_create_get_list_update_and_delete_in_the_sdks_shapes(platform):
    t = _create(platform)
    assert t["name"] == "nightly" and t["description"] == "the nightly one"
    assert t["config"]["source"] == {"type": "WORKSPACE",
                                     "sourceDef": {"type": "WORKSPACE", "path": "/shared/app"}}
    assert t["config"]["sourceLocation"] == "main.py" and t["config"]["args"] == "--day 'to day'"
    assert t["config"]["envVars"] == {"GREETING": "hi"} and t["jobRuns"] == []
    assert t["createdBy"].startswith("API key") and t["clusterConfig"] is None
    assert "_deprecated_fields" not in t["config"]
    assert platform.request("GET", f"/v1/job-templates/{t['uuid']}").json_body == t

    other = _create(platform, name="other")
    listed = platform.request("GET", "/v1/job-templates").json_body
    assert [x["uuid"] for x in listed["data"]] == [t["uuid"], other["uuid"]]
    assert listed["metadata"] == {"page": 1, "size": 20, "total_pages": 1, "total_items": 2}
    by_name = platform.request("GET", "/v1/job-templates?name=other").json_body
    assert [x["uuid"] for x in by_name["data"]] == [other["uuid"]]
    page_2 = platform.request("GET", "/v1/job-templates?page=2&size=1").json_body
    assert [x["uuid"] for x in page_2["data"]] == [other["uuid"]]

    # The SDK's _save of an existing template PATCHes it whole.
    patched = platform.request("PATCH", f"/v1/job-templates/{t['uuid']}", {
        **t, "name": "renamed", "config": {**t["config"], "args": "--day two"}, **JUNK})
    assert patched.status_code == 200, patched.body
    assert patched.json_body["name"] == "renamed"
    assert patched.json_body["config"]["args"] == "--day two"
    assert patched.json_body["config"]["source"] == t["config"]["source"]

    gone = platform.request("DELETE", f"/v1/job-templates/{t['uuid']}")
    assert gone.status_code == 200 and gone.json_body["status"] == "DELETED"
    for method in ("GET", "PATCH", "DELETE"):
        assert platform.request(method, f"/v1/job-templates/{t['uuid']}",
                                {"name": "x"}).status_code == 404
    listed = platform.request("GET", "/v1/job-templates").json_body
    assert [x["uuid"] for x in listed["data"]] == [other["uuid"]]
    assert listed["metadata"]["total_items"] == 1


@pytest.mark.parametrize("change, field", [
    ({"name": None}, "name"),
    ({"name": "bad\nname"}, "name"),
    ({"description": 7}, "description"),
    ({"config": None}, "config"),
    ({"config": "main.py"}, "config"),
    ({"config": {"sourceLocation": "main.py"}}, "config.source"),
    ({"config": {"sourceLocation": "main.py", "source": {"type": "FTP"}}}, "config.source.type"),
    ({"config": {"source": _source()}}, "config.sourceLocation"),
    ({"config": {"type": "SQL", "source": _source(), "sourceLocation": "m.py"}}, "config.type"),
    ({"config": {"source": _source("/etc"), "sourceLocation": "m.py"}},
     "config.source.sourceDef.path"),
    ({"config": {"source": {"type": "GIT", "sourceDef": {"repoUrl": "https://h/o/r.git"}},
                 "sourceLocation": "m.py"}}, "config.source.sourceDef.repoUrl"),
    ({"config": {"source": {"type": "GIT", "sourceDef": {"repoUrl": "https://h/o/r",
                                                         "username": "u", "token": "t0k"}},
                 "sourceLocation": "m.py"}}, "config.source.sourceDef.token"),
    ({"config": {"source": _source(), "sourceLocation": "m.py", "args": "'open"}},
     "config.args"),
    ({"config": {"source": _source(), "sourceLocation": "m.py", "envVars": {"A B": "x"}}},
     "config.envVars"),
    ({"config": {"source": _source(), "sourceLocation": "m.py", "timeout": -5}},
     "config.timeout"),
    ({"clusterConfig": "big"}, "clusterConfig"),
    ({"clusterConfig": {"customTags": {"aws:x": "y"}}}, "customTags"),
])
def test_bad_templates_name_the_field_and_write_nothing(platform, change, field):
    reply = platform.request("POST", "/v1/job-templates", _template(**change))
    assert reply.status_code == 400, reply.body
    assert reply.json_body["field"].endswith(field), reply.json_body
    assert "t0k" not in reply.body.decode()
    assert platform.request("GET", "/v1/job-templates").json_body["metadata"]["total_items"] == 0


def test_a_bad_patch_changes_nothing(platform):
    t = _create(platform)
    reply = platform.request("PATCH", f"/v1/job-templates/{t['uuid']}",
                             {"config": {"source": _source("/etc"), "sourceLocation": "m.py"}})
    assert reply.status_code == 400 and reply.json_body["field"] == "config.source.sourceDef.path"
    assert platform.request("GET", f"/v1/job-templates/{t['uuid']}").json_body == t


@pytest.fixture
def cluster(platform):
    created = platform.create_cluster(name="jobs", workersQuantity=1, **NEVER_IDLE)
    platform.settle()
    state = clusters.get(platform.demo.workspace.uuid, created["uuid"])
    assert state.status.value == "RUNNING", state.failure
    shared = platform.shared_folder(state.network["file_system_id"])
    (shared / "app").mkdir()
    (shared / "app" / "main.py").write_text(SCRIPT)
    return created["uuid"]


def _stdout(platform, run_uuid: str) -> str:
    from urllib.parse import urlsplit
    url = urlsplit(platform.request("GET", f"/v1/jobs/{run_uuid}/logs").json_body["stdoutUrl"])
    return platform.customer("s3").get_object(
        Bucket=url.hostname.split(".")[0], Key=url.path.lstrip("/"))["Body"].read().decode()


def test_a_template_run_takes_the_templates_config_and_the_bodys_keys_win(platform, cluster):
    t = _create(platform)
    # What JobTemplate.run(cluster=...) sends: no source, no file, only storeResult.
    body = {"type": "BATCH", "numRetriesUsed": 0, "tag": [], "isDDL": False, **JUNK,
            "jobTemplateUUID": t["uuid"], "clusterUUID": cluster,
            "jobConfig": {"storeResult": False, **JUNK}}
    reply = platform.request("POST", "/v1/jobs", body)
    assert reply.status_code == 200, reply.body
    run = reply.json_body
    assert run["name"] == "nightly" and run["jobTemplateUUID"] == t["uuid"]
    assert run["job_template_id"] == t["uuid"] and run["clusterUUID"] == cluster
    assert run["config"]["source"]["sourceDef"]["path"] == "/shared/app"
    assert run["config"]["sourceLocation"] == "main.py"
    overridden = platform.request("POST", "/v1/jobs", {
        **body, "name": "mine", "jobConfig": {"storeResult": False, "args": "--day mine",
                                              "envVars": None}}).json_body
    assert overridden["name"] == "mine" and overridden["config"]["args"] == "--day mine"
    assert overridden["config"]["envVars"] == {"GREETING": "hi"}
    platform.settle()
    for r, expected in ((run, "['--day', 'to day'] hi"), (overridden, "['--day', 'mine'] hi")):
        got = platform.request("GET", f"/v1/jobs/{r['uuid']}").json_body
        assert got["status"] == "SUCCEEDED", got
        assert _stdout(platform, r["uuid"]).strip() == expected
    by_template = platform.request("GET", f"/v1/jobs?jobTemplateUUID={t['uuid']}").json_body
    assert {r["uuid"] for r in by_template["data"]} == {run["uuid"], overridden["uuid"]}


def test_template_runs_need_a_cluster_or_a_cluster_config_and_a_live_template(platform):
    t = _create(platform)
    body = {"jobTemplateUUID": t["uuid"], "jobConfig": {"storeResult": False}}
    reply = platform.request("POST", "/v1/jobs", body)
    assert reply.status_code == 400 and reply.json_body["field"] == "clusterUUID"
    with_cluster_config = _create(platform, name="dedicated", clusterConfig={
        "name": "d", "instanceType": "c5.2xlarge", "workersQuantity": 1, **JUNK})
    assert with_cluster_config["clusterConfig"] == {"name": "d", "instanceType": "c5.2xlarge",
                                                    "workersQuantity": 1}
    # A template's clusterConfig makes a cluster for the run, removed after it.
    reply = platform.request("POST", "/v1/jobs", {**body,
                                                  "jobTemplateUUID": with_cluster_config["uuid"]})
    assert reply.status_code == 200, reply.body
    platform.pump.drain()                  # the run's first step creates its cluster
    made = platform.cluster(reply.json_body["clusterUUID"])
    assert made["isJobDedicated"] is True and made["instanceType"] == "c5.2xlarge"
    for uuid, status in (("not-a-uuid", 400), ("6f1c2b8e-0000-4000-8000-000000000000", 404)):
        reply = platform.request("POST", "/v1/jobs", {**body, "jobTemplateUUID": uuid})
        assert reply.status_code == status, reply.body
    platform.request("DELETE", f"/v1/job-templates/{t['uuid']}")
    assert platform.request("POST", "/v1/jobs", body).status_code == 404
    assert platform.request("GET", "/v1/jobs").json_body["metadata"]["total_items"] == 1


def test_another_workspace_never_sees_a_template(platform):
    t = _create(platform)
    org = organizations.create_organization("other")
    ws = seed.request_workspace(org, "other", "us-east-1")
    client, secret = clients.create_client(org.uuid, ws.uuid)
    other = platform.headers(client.client_id, secret)
    for method in ("GET", "PATCH", "DELETE"):
        reply = platform.request(method, f"/v1/job-templates/{t['uuid']}", {"name": "x"},
                                 headers=other)
        assert reply.status_code == 404 and "nightly" not in reply.body.decode()
    listed = platform.request("GET", "/v1/job-templates", headers=other).json_body
    assert listed["data"] == [] and listed["metadata"]["total_items"] == 0
    run = platform.request("POST", "/v1/jobs", {"jobTemplateUUID": t["uuid"],
                                                "clusterUUID": t["uuid"]}, headers=other)
    assert run.status_code in (404, 409) and "nightly" not in run.body.decode()
    assert platform.request("GET", f"/v1/job-templates/{t['uuid']}").json_body["name"] == \
        "nightly"
