"""The customer's story, told through the official Bodo Platform SDK (bodosdk 2.3.2), unmodified.

Run it with the SDK's own virtualenv (pydantic v1), never the platform's:

    .venv-sdk/bin/python tests/e2e/sdk_story.py .corral/local.json

It imports nothing from the project: only the SDK, `requests` and the standard library. It reads
the client settings `make run` writes (local.json), then: builds the organization client and lists
the workspaces; creates a workspace with the organization's cloud config, waits until READY, gets,
lists and deletes it (waiting until TERMINATED); builds the workspace client (authenticates, checks the SDK version, reads the
token's tenantId); lists the Bodo versions and instance types; creates a cluster, polls it to
RUNNING recording every status it sees; gets it; lists clusters; removes it and polls it to
TERMINATED; and reads the platform's own task records (GET /v1/tasks, plain requests) to check the
steps that fast polling may miss. Progress goes to stderr; the last line on stdout is one JSON
object with what it saw. Any failure exits non-zero with a message naming the step.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
import uuid as uuidlib

import requests
from bodosdk import BodoOrganizationClient, BodoWorkspaceClient
from bodosdk.exceptions import ResourceNotFound

INSTANCE_TYPE = "c5.2xlarge"
WORKERS = 2
WAIT_SECONDS = 120      # bound on every wait
POLL_SECONDS = 0.25     # our own polls: fast enough to see short-lived states
SDK_TICK = 1            # the SDK's wait_for_status tick (its default, 30 s, is far too slow here)
CREATE_ORDER = ["NEW", "INPROGRESS", "INITIALIZING", "RUNNING"]
REMOVE_ORDER = ["RUNNING", "TERMINATING", "TERMINATED"]


class StoryFailure(Exception):
    pass


_T0 = time.monotonic()


def log(msg: str) -> None:
    print(f"[sdk_story {time.monotonic() - _T0:6.2f}s] {msg}", file=sys.stderr, flush=True)


def check(condition: bool, msg: str) -> None:
    if not condition:
        raise StoryFailure(msg)


def in_order(seen: list[str], order: list[str]) -> bool:
    """`seen` (distinct consecutive statuses) is a subsequence of `order`: states may be missed
    by polling, but never reordered, repeated or unknown."""
    positions = [order.index(s) if s in order else -1 for s in seen]
    return -1 not in positions and positions == sorted(set(positions))


def record(seen: list[str], status: str | None) -> None:
    if status and (not seen or seen[-1] != status):
        seen.append(status)
        log(f"  status {status}")


def poll_cluster(ws: BodoWorkspaceClient, cluster_uuid: str, seen: list[str],
                 until: set[str]) -> str:
    """Poll GET /v1/clusters/{id} through the SDK until a status in `until` (or FAILED)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            status = ws.ClusterClient.get(cluster_uuid).status
        except ResourceNotFound:
            status = "TERMINATED"    # what the SDK itself makes of a 404 when TERMINATED is awaited
            if "TERMINATED" not in until:
                raise
        record(seen, status)
        if status in until or status == "FAILED":
            return status
        if time.monotonic() > deadline:
            raise StoryFailure(f"cluster {cluster_uuid} still {status} after {WAIT_SECONDS}s "
                               f"waiting for {sorted(until)}; statuses seen {seen}")
        time.sleep(POLL_SECONDS)


class Platform:
    """Plain HTTP to the platform, for what the SDK does not cover (the task records)."""

    def __init__(self, info: dict):
        self.api_url = info["api_url"].rstrip("/")
        reply = requests.post(f"{info['auth_url'].rstrip('/')}/identity/resources/auth/v2/api-token",
                              json={"clientId": info["client_id"], "secret": info["secret_key"]},
                              timeout=15)
        check(reply.status_code == 200, f"auth for the task reader: HTTP {reply.status_code} "
                                        f"{reply.text[:300]}")
        self.headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}

    def tasks(self, resource_uuid: str) -> list[dict]:
        reply = requests.get(f"{self.api_url}/v1/tasks", headers=self.headers, timeout=15,
                             params={"resourceUUID": resource_uuid, "size": 100})
        check(reply.status_code == 200, f"GET /v1/tasks: HTTP {reply.status_code} "
                                        f"{reply.text[:300]}")
        return reply.json()["data"]

    def finished_task(self, resource_uuid: str, operation: str) -> dict:
        """The operation's task, once FINISHED (it may trail the cluster's status briefly)."""
        deadline = time.monotonic() + 15
        while True:
            found = [t for t in self.tasks(resource_uuid) if t.get("operation") == operation]
            check(len(found) == 1, f"expected one {operation} task for {resource_uuid}, "
                                   f"found {len(found)}")
            task = found[0]
            if task.get("status") == "FINISHED":
                return task
            check(task.get("status") != "FAILED", f"{operation} task failed: {task}")
            check(time.monotonic() < deadline, f"{operation} task not FINISHED: {task}")
            time.sleep(POLL_SECONDS)


def workspace_lifecycle(org: BodoOrganizationClient) -> list[str]:
    """Create a workspace with the organization's cloud config, wait READY, get, list, delete,
    wait TERMINATED (the SDK's own calls and waits). Returns the statuses seen."""
    log("workspace lifecycle")
    configs = list(org.list_cloud_configs())
    check(len(configs) == 1, f"list_cloud_configs: {len(configs)} cloud configs, expected 1")
    cc_uuid = str(configs[0].uuid)
    name = f"sdk-story-ws-{uuidlib.uuid4().hex[:8]}"
    created = org.create_workspace(name=name, region="us-east-2", cloud_config_id=cc_uuid,
                                   custom_tags={"story": "sdk"})
    ws_uuid = str(created.uuid)
    seen: list[str] = []
    record(seen, created.status)
    check(created.name == name and created.region == "us-east-2",
          f"create_workspace reply: {created.name} {created.region}")
    created.wait_for_status(["READY"], timeout=WAIT_SECONDS, tick=SDK_TICK)
    record(seen, created.status)
    check(created.status == "READY", f"workspace ended {created.status}, statuses seen {seen}")
    got = org.get_workspace(ws_uuid)
    check(got.status == "READY" and str(got.cloud_config.uuid) == cc_uuid,
          f"get_workspace: {got.status}, cloud config {got.cloud_config}")
    check(bool(got.network_data and got.network_data.region == "us-east-2"),
          f"get_workspace: networkData {got.network_data}")
    listed = org.list_workspaces(filters={"names": [name]})
    check([str(w.uuid) for w in listed] == [ws_uuid],
          f"list_workspaces(names=[{name}]): {[str(w.uuid) for w in listed]}")
    deleted = org.delete_workspace(ws_uuid)
    record(seen, deleted.status)
    check(deleted.status in ("TERMINATING", "TERMINATED"), f"delete_workspace: {deleted.status}")
    deleted.wait_for_status(["TERMINATED"], timeout=WAIT_SECONDS, tick=SDK_TICK)
    record(seen, deleted.status)
    check(deleted.status == "TERMINATED", f"workspace removal ended {deleted.status}")
    return seen


def story(info: dict) -> dict:
    urls = dict(api_url=info["api_url"], auth_url=info["auth_url"])
    out: dict = {"sdk": "bodosdk"}
    try:
        import bodosdk
        out["sdk_version"] = bodosdk.__version__
    except Exception:  # noqa: BLE001 - informative only
        pass

    log("organization client")
    org = BodoOrganizationClient(info["org_client_id"], info["org_secret_key"], **urls)
    workspaces = org.list_workspaces()
    ws_uuids = [str(w.uuid) for w in workspaces]
    check(len(workspaces) == len(ws_uuids) >= 1, f"list_workspaces: len() {len(workspaces)} "
                                                 f"but {len(ws_uuids)} iterated")
    check(info["workspace_uuid"] in ws_uuids,
          f"list_workspaces: demo workspace {info['workspace_uuid']} not in {ws_uuids}")
    out["org_workspaces"] = ws_uuids
    out["workspace_lifecycle"] = workspace_lifecycle(org)

    log("workspace client")
    ws = BodoWorkspaceClient(info["client_id"], info["secret_key"], **urls)
    check(ws.workspace_id == info["workspace_uuid"],
          f"token tenantId {ws.workspace_id} is not the workspace {info['workspace_uuid']}")
    wsd = ws.workspace_data
    check(str(wsd.uuid) == info["workspace_uuid"], f"workspace_data is {wsd.uuid}")
    out["workspace_uuid"] = ws.workspace_id
    out["region"] = wsd.region

    log("catalog")
    versions = ws.ClusterClient.get_bodo_versions()
    latest = ws.ClusterClient.latest_bodo_version
    check(bool(versions), "get_bodo_versions() is empty")
    check(latest == versions[0], f"latest_bodo_version {latest} is not the first of {versions}")
    types = ws.ClusterClient.get_instance_types()
    type_names = [t.name for t in types]
    check(INSTANCE_TYPE in type_names, f"{INSTANCE_TYPE} not among {len(types)} instance types")
    out.update(versions=versions, latest_version=latest, instance_type_count=len(types))

    log("create cluster")
    name = f"sdk-story-{uuidlib.uuid4().hex[:8]}"
    created = ws.ClusterClient.create(name=name, instance_type=INSTANCE_TYPE,
                                      workers_quantity=WORKERS)
    check(bool(created.uuid), "create returned no uuid")
    cluster_uuid = created.uuid
    out["cluster_uuid"] = cluster_uuid
    check(created.name == name and created.instance_type == INSTANCE_TYPE
          and created.workers_quantity == WORKERS,
          f"create reply does not echo the request: {created.name} {created.instance_type} "
          f"{created.workers_quantity}")
    check(created.bodo_version == latest,
          f"new cluster runs {created.bodo_version}, not the latest {latest}")
    create_seen: list[str] = []
    record(create_seen, created.status)
    final = poll_cluster(ws, cluster_uuid, create_seen, {"RUNNING"})
    check(final == "RUNNING", f"cluster ended {final}, statuses seen {create_seen}")
    check(in_order(create_seen, CREATE_ORDER),
          f"create statuses out of order: {create_seen} (expected a subsequence of "
          f"{CREATE_ORDER})")
    # The SDK's own wait, with a short tick: returns at once now, but goes through its path.
    created.wait_for_status(["RUNNING"], timeout=WAIT_SECONDS, tick=SDK_TICK)
    check(created.status == "RUNNING", f"wait_for_status left {created.status}")
    out["create_statuses"] = create_seen

    log("get cluster")
    got = ws.ClusterClient.get(cluster_uuid)
    check(got.status == "RUNNING", f"get: status {got.status}")
    nodes = got.node_metadata or []
    instance_ids = [n.instance_id for n in nodes]
    check(len(nodes) == WORKERS and all(instance_ids),
          f"get: nodeMetadata has {len(nodes)} node(s) {instance_ids}, expected {WORKERS}")
    check(len(got.nodes_ip or []) == WORKERS, f"get: nodesIp {got.nodes_ip}")
    out["instance_ids"] = instance_ids
    out["bodo_version"] = got.bodo_version

    log("list clusters")
    listed = ws.ClusterClient.list()
    listed_uuids = [c.uuid for c in listed]
    check(len(listed) == len(listed_uuids), f"list: len() {len(listed)} but "
                                            f"{len(listed_uuids)} iterated")
    check(cluster_uuid in listed_uuids, f"list: {cluster_uuid} not in {listed_uuids}")
    only = ws.ClusterClient.list(filters={"ids": [cluster_uuid]})
    check(len(only) == 1 and only[0].uuid == cluster_uuid,
          f"list filtered by id: {[c.uuid for c in only]}")
    out["listed_clusters"] = len(listed)

    platform = Platform(info)
    create_task = platform.finished_task(cluster_uuid, "CREATE_CLUSTER")
    check(bool(create_task.get("details")), f"CREATE_CLUSTER task has no steps: {create_task}")

    log("remove cluster")
    remove_seen: list[str] = ["RUNNING"]
    removed = ws.ClusterClient.remove(cluster_uuid)
    check(removed.uuid == cluster_uuid, f"remove replied for {removed.uuid}")
    record(remove_seen, removed.status)
    final = poll_cluster(ws, cluster_uuid, remove_seen, {"TERMINATED"})
    check(final == "TERMINATED", f"cluster ended {final}, statuses seen {remove_seen}")
    check(in_order(remove_seen, REMOVE_ORDER),
          f"remove statuses out of order: {remove_seen} (expected a subsequence of "
          f"{REMOVE_ORDER})")
    waited = ws.ClusterClient.wait_for_status(cluster_uuid, ["TERMINATED"],
                                              timeout=WAIT_SECONDS, tick=SDK_TICK)
    check(waited.status == "TERMINATED", f"wait_for_status(TERMINATED) left {waited.status}")
    remove_task = platform.finished_task(cluster_uuid, "REMOVE_CLUSTER")
    check(bool(remove_task.get("details")), f"REMOVE_CLUSTER task has no steps: {remove_task}")
    out["remove_statuses"] = remove_seen[1:]

    statuses: list[str] = []
    for s in create_seen + remove_seen:
        if not statuses or statuses[-1] != s:
            statuses.append(s)
    out["statuses"] = statuses
    out["tasks"] = {t["operation"]: {"status": t["status"], "details": t["details"]}
                    for t in (create_task, remove_task)}
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} path/to/local.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            info = json.load(f)
    except (OSError, ValueError) as e:
        print(f"sdk_story: FAILED: cannot read {argv[1]}: {e}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        out = story(info)
    except StoryFailure as e:
        print(f"sdk_story: FAILED: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - an SDK error is a failure of the story too
        traceback.print_exc()
        print(f"sdk_story: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    out["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
