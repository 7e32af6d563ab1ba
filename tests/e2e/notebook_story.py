"""A notebook attached to a cluster and opened through its public entry point, as a user
lives it against `make run`:

    .venv-sdk/bin/python tests/e2e/notebook_story.py .corral/local.json

creates a cluster with the shortest auto pause (one minute) through the official SDK; attaches
a notebook to it by plain HTTP with the workspace key (bodosdk 2.3.2 has no notebook calls)
and waits until it is READY, every probe in its task; signs in as a person of the demo
organization and opens it (OPEN NOTEBOOK: /notebooks/{uuid}/open, followed to Jupyter through
the entry point, where Jupyter's API answers and lists /shared with the cluster's hostfile);
shows that the entry point without the notebook's token, and a person of another
organization, get nothing; checks that the cluster is not paused past its auto-pause minute
while the notebook is attached; removes the notebook and sees the entry point gone (its
address closed, nothing left in the customer's CloudFront); removes the cluster. The last line
on stdout is one JSON object with what it saw."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime

import boto3
import requests
from bodosdk import BodoWorkspaceClient
from story_kit import sign_in

WAIT = 90           # seconds for any one wait (the test bounds the whole story)
AUTO_PAUSE_MINUTES = 1


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def until(what: str, read, done, timeout: float = WAIT, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not done within {timeout}s: {value}")
        time.sleep(every)


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def main(path: str) -> int:
    info = json.load(open(path))
    api = info["api_url"]
    seen: dict = {}
    ws = BodoWorkspaceClient(client_id=info["client_id"], secret_key=info["secret_key"],
                             api_url=api, auth_url=info["auth_url"])
    cluster = ws.ClusterClient.create(name="nb-story", instance_type="c5.2xlarge",
                                      workers_quantity=1, auto_pause=AUTO_PAUSE_MINUTES,
                                      auto_stop=0)
    cluster.wait_for_status(["RUNNING"], timeout=WAIT, tick=1)
    key = requests.post(f"{info['auth_url']}/identity/resources/auth/v2/api-token", timeout=10,
                        json={"clientId": info["client_id"], "secret": info["secret_key"]})
    headers = {"Authorization": f"Bearer {key.json()['access_token']}"}
    get = lambda p: requests.get(f"{api}{p}", headers=headers, timeout=10).json()  # noqa: E731
    idle_from = epoch(get(f"/v1/clusters/{cluster.id}")["lastKnownActivity"])
    log("1. cluster", cluster.id, "RUNNING, auto pause", AUTO_PAUSE_MINUTES, "minute; idle from",
        idle_from)

    created = requests.post(f"{api}/v1/notebooks", headers=headers, timeout=10, json={
        "name": "story", "instanceType": "c5.large", "clusterUUID": cluster.id}).json()
    uuid = created["uuid"]
    log("2. notebook", uuid, created["status"])
    started = time.monotonic()
    ready = until("READY", lambda: get(f"/v1/notebooks/{uuid}"),
                  lambda n: n["status"] in ("READY", "FAILED"))
    task = [t for t in get(f"/v1/tasks?resourceUUID={uuid}")["data"]
            if t["operation"] == "CREATE_NOTEBOOK"][-1]
    assert ready["status"] == "READY", (ready, task)
    log(f"   READY after {time.monotonic() - started:.1f}s, url {ready['url']}")
    for line in task["details"]:
        log("  ", line)
    seen.update(uuid=uuid, url=ready["url"], open_url=ready["openUrl"],
                distribution=ready["distributionId"], vpc_origin=ready["vpcOriginId"],
                details=task["details"], task_status=task["status"])

    # 3. OPEN NOTEBOOK as a person of the organization: through the entry point, signed in.
    browser = sign_in(api, info["demo_user"])
    opened = browser.get(ready["openUrl"], allow_redirects=False, timeout=10)
    location = opened.headers.get("Location", "")
    assert opened.status_code == 303 and location.startswith(ready["url"]), opened.headers
    landing = browser.get(location, timeout=10)          # Jupyter keeps its login cookie
    status = browser.get(ready["url"] + "api/status", timeout=10)
    listing = browser.get(ready["url"] + "api/contents", timeout=10).json()
    names = sorted(f["name"] for f in listing["content"])
    log(f"3. opened: {opened.status_code} -> {location.split('?')[0]}?token=…, then "
        f"{landing.status_code}; api/status {status.status_code}; /shared lists {names}")
    seen.update(open=[opened.status_code, landing.status_code, status.status_code], shared=names,
                hostfile=f".hostfile-{cluster.id}" in names)

    # 4. Without the token, and as someone of another organization: nothing.
    bare = requests.get(ready["url"] + "api/contents", timeout=10)
    stranger = sign_in(api, info["other_user"])
    refused = stranger.get(ready["openUrl"], allow_redirects=False, timeout=10)
    anonymous = requests.get(ready["openUrl"], allow_redirects=False, timeout=10)
    sign_in_page = 'action="/signin"' in anonymous.text
    log(f"4. the entry point without the token: {bare.status_code}; OPEN NOTEBOOK as "
        f"{info['other_user']['email']}: {refused.status_code}; signed out: "
        f"{anonymous.status_code}{' (the sign-in page)' if sign_in_page else ''}")
    seen.update(no_token=bare.status_code, other_org=refused.status_code,
                signed_out=[anonymous.status_code, sign_in_page])

    # 5. Past the minute after which the idle cluster would pause: still RUNNING.
    deadline = idle_from + 60 * AUTO_PAUSE_MINUTES + 10
    time.sleep(max(0.0, deadline - time.time()))
    after = get(f"/v1/clusters/{cluster.id}")
    moved = epoch(after["lastKnownActivity"]) - idle_from
    log(f"5. {time.time() - idle_from:.0f}s after its last own activity, with the notebook "
        f"attached: {after['status']} (the notebook's activity {moved:.0f}s later)")
    seen.update(cluster_after=after["status"], activity_moved=moved > 0)

    # 6. Removed: the entry point goes with it.
    removing = requests.delete(f"{api}/v1/notebooks/{uuid}", headers=headers, timeout=10).json()
    gone = until("TERMINATED", lambda: get(f"/v1/notebooks/{uuid}"),
                 lambda n: n["status"] == "TERMINATED")
    removal = [t for t in get(f"/v1/tasks?resourceUUID={uuid}")["data"]
               if t["operation"] == "REMOVE_NOTEBOOK"][-1]
    try:
        requests.get(ready["url"], timeout=5)
        closed = False
    except requests.ConnectionError:
        closed = True
    cf = boto3.client("cloudfront", region_name="us-east-1",
                      endpoint_url=info["aws_endpoint_url"],
                      aws_access_key_id=info["customer_aws_access_key_id"],
                      aws_secret_access_key=info["customer_aws_secret_access_key"])
    left = {"distributions": [d["Id"] for d in cf.list_distributions()["DistributionList"].get(
                "Items") or [] if d["Comment"].endswith(uuid)],
            "vpc_origins": [v["Id"] for v in cf.list_vpc_origins()["VpcOriginList"].get(
                "Items") or [] if v["Name"].endswith(uuid)]}
    log(f"6. DELETE -> {removing['status']}; {gone['status']}; the entry point answers: "
        f"{not closed}; left in CloudFront: {left}")
    for line in removal["details"]:
        log("  ", line)
    seen.update(removed=[removing["status"], gone["status"]], removal=removal["details"],
                entry_closed=closed, left=left)
    ws.ClusterClient.remove(cluster.id)
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
