"""A cluster's whole life as a new user lives it, against `make run`, with the official SDK
(bodosdk 2.3.2) and, for the customer's own account, boto3:

    .venv-sdk/bin/python tests/e2e/cluster_story.py .corral/local.json

1. create an EFA cluster with an SSH key and one allowed address (the SDK's create has no
   such keys: the same POST /v1/clusters, by plain HTTP with the workspace key);
2. wait RUNNING (the SDK), read its nodes, core count and hostfile;
3. in the customer's account, through SSM Run Command on the first node, the manual's
   `ls -la /shared/.hostfile-<uuid>` and `mpiexec -n <TOTAL> -f <hostfile> hostname`;
4. pause and resume it (the SDK), scale it to 3 nodes (the SDK's update) and check again;
5. remove it (the SDK), remove the workspace and clean the region up
   (POST /v1/settings/cleanup with the organization key), then look in the account: no VPC,
   file system, NAT gateway or Elastic IP of the organization is left.

Progress goes to stderr as the user would read it; the last line on stdout is one JSON object
with what it saw. Any failure exits non-zero naming the step.
"""
from __future__ import annotations

import json
import sys
import time

import boto3
import requests
from bodosdk import BodoOrganizationClient, BodoWorkspaceClient

REGION = "us-east-1"
INSTANCE_TYPE = "c5n.9xlarge"       # EFA, 36 vCPUs: 18 MPI cores a node
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop"
MY_IP = "203.0.113.7"
WAIT = 180
TICK = 1


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Failure(Exception):
    pass


def check(ok: bool, what: str) -> None:
    if not ok:
        raise Failure(what)


def token(info: dict, client_id: str, secret: str) -> dict:
    reply = requests.post(f"{info['auth_url'].rstrip('/')}/identity/resources/auth/v2/api-token",
                          json={"clientId": client_id, "secret": secret}, timeout=15)
    check(reply.status_code == 200, f"auth: HTTP {reply.status_code} {reply.text[:200]}")
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def http(info: dict, headers: dict, method: str, path: str, body=None, ok=(200, 202)) -> dict:
    reply = requests.request(method, f"{info['api_url'].rstrip('/')}{path}", headers=headers,
                             json=body, timeout=15)
    check(reply.status_code in ok, f"{method} {path}: HTTP {reply.status_code} {reply.text[:300]}")
    return reply.json()


def ssm_run(ssm, instance_id: str, command: str) -> str:
    """One shell command on a node through SSM Run Command; its output."""
    sent = ssm.send_command(InstanceIds=[instance_id], DocumentName="AWS-RunShellScript",
                            Parameters={"commands": [command]})["Command"]["CommandId"]
    deadline = time.monotonic() + WAIT
    while True:
        got = ssm.get_command_invocation(CommandId=sent, InstanceId=instance_id)
        if got["Status"] not in ("Pending", "InProgress", "Delayed"):
            check(got["Status"] == "Success", f"`{command}` on {instance_id}: {got['Status']} "
                                              f"{got.get('StandardErrorContent', '')[:300]}")
            return got["StandardOutputContent"]
        check(time.monotonic() < deadline, f"`{command}` still {got['Status']}")
        time.sleep(0.5)


def mpi_check(ssm, cluster: dict) -> dict:
    """The manual's "Verify your Connection", on the first node."""
    node = cluster["nodeMetadata"][0]["instanceId"]
    total, hostfile = cluster["totalCoreCount"], cluster["hostfile"]
    listing = ssm_run(ssm, node, f"ls -la {hostfile}").strip()
    say(f"$ ls -la {hostfile}\n{listing}")
    out = ssm_run(ssm, node, f"mpiexec -n {total} -f {hostfile} hostname")
    lines = out.split()
    say(f"$ mpiexec -n {total} -f {hostfile} hostname | sort | uniq -c")
    for host in sorted(set(lines)):
        say(f"{lines.count(host):7d} {host}")
    check(len(lines) == total, f"mpiexec answered {len(lines)} line(s), not {total}")
    return {"node": node, "lines": len(lines), "hosts": len(set(lines))}


def story(info: dict) -> dict:
    urls = dict(api_url=info["api_url"], auth_url=info["auth_url"])
    ws = BodoWorkspaceClient(info["client_id"], info["secret_key"], **urls)
    ws_headers = token(info, info["client_id"], info["secret_key"])
    aws = dict(region_name=REGION, endpoint_url=info["aws_endpoint_url"],
               aws_access_key_id=info["customer_aws_access_key_id"],
               aws_secret_access_key=info["customer_aws_secret_access_key"])
    ssm, ec2, efs = (boto3.client(s, **aws) for s in ("ssm", "ec2", "efs"))
    out: dict = {}

    say(f"1. create an EFA cluster of 2 x {INSTANCE_TYPE}, SSH key, access from {MY_IP}")
    created = http(info, ws_headers, "POST", "/v1/clusters", {
        "name": "efa-story", "instanceType": INSTANCE_TYPE, "workersQuantity": 2,
        "acceleratedNetworking": True, "sshPublicKey": SSH_KEY, "allowedIps": [MY_IP],
        "autoStop": 0, "autoPause": 0})
    uuid = created["uuid"]
    say(f"   {uuid} {created['status']}")

    say("2. wait RUNNING")
    cluster = ws.ClusterClient.get(uuid)
    cluster.wait_for_status(["RUNNING"], timeout=WAIT, tick=TICK)
    check(cluster.status == "RUNNING", f"cluster ended {cluster.status}")
    got = http(info, ws_headers, "GET", f"/v1/clusters/{uuid}")
    say(f"   RUNNING in {got['availabilityZone']}: {got['totalCoreCount']} cores "
        f"({got['coresPerWorker']} a node), hostfile {got['hostfile']}")
    for n in got["nodeMetadata"]:
        say(f"   node {n['instanceId']} private {n['privateIP']} public {n.get('publicIP')}")
    rules = ec2.describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [f"corral-{uuid}"]}])["SecurityGroups"]
    ssh_from = sorted(r["CidrIp"] for g in rules for p in g["IpPermissions"]
                      for r in p.get("IpRanges", []) if p.get("FromPort") == 22)
    say(f"   port 22 open from {ssh_from}")
    out.update(uuid=uuid, zone=got["availabilityZone"], cores=got["totalCoreCount"],
               hostfile=got["hostfile"], nodes=len(got["nodeMetadata"]), ssh_from=ssh_from)

    say("3. the manual's check through SSM")
    out["mpi"] = mpi_check(ssm, got)

    say("4. pause, resume, scale to 3")
    cluster.pause()
    cluster.wait_for_status(["PAUSED"], timeout=WAIT, tick=TICK)
    say(f"   {cluster.status}")
    check(cluster.status == "PAUSED", f"pause left {cluster.status}")
    cluster.resume()
    cluster.wait_for_status(["RUNNING"], timeout=WAIT, tick=TICK)
    say(f"   {cluster.status}")
    check(cluster.status == "RUNNING", f"resume left {cluster.status}")
    cluster.update(workers_quantity=3)
    cluster.wait_for_status(["RUNNING"], timeout=WAIT, tick=TICK)
    got = http(info, ws_headers, "GET", f"/v1/clusters/{uuid}")
    say(f"   {got['status']}: {len(got['nodeMetadata'])} nodes, {got['totalCoreCount']} cores")
    check(len(got["nodeMetadata"]) == 3, f"scaled to {len(got['nodeMetadata'])} nodes")
    out["scaled"] = mpi_check(ssm, got)

    say("5. remove it, then the workspace, then clean the region up")
    ws.ClusterClient.remove(uuid)
    done = ws.ClusterClient.wait_for_status(uuid, ["TERMINATED"], timeout=WAIT, tick=TICK)
    say(f"   cluster {done.status}")
    org = BodoOrganizationClient(info["org_client_id"], info["org_secret_key"], **urls)
    gone = org.delete_workspace(info["workspace_uuid"])
    gone.wait_for_status(["TERMINATED"], timeout=WAIT, tick=TICK)
    say(f"   workspace {gone.status}")
    org_headers = token(info, info["org_client_id"], info["org_secret_key"])
    task = http(info, org_headers, "POST", "/v1/settings/cleanup", {"region": REGION})
    deadline = time.monotonic() + WAIT
    while task["status"] not in ("FINISHED", "FAILED") and time.monotonic() < deadline:
        time.sleep(TICK)
        task = http(info, org_headers, "GET", f"/v1/tasks/{task['uuid']}")
    say(f"   cleanup task {task['status']}")
    for line in task["details"]:
        say(f"     {line}")
    check(task["status"] == "FINISHED", f"cleanup ended {task['status']}")
    org_tag = [{"Name": "tag-key", "Values": ["corral:organization"]}]
    left = {"vpcs": len(ec2.describe_vpcs(Filters=org_tag)["Vpcs"]),
            "nat_gateways": len([n for n in ec2.describe_nat_gateways(Filter=org_tag)[
                "NatGateways"] if n["State"] not in ("deleted", "deleting")]),
            "addresses": len(ec2.describe_addresses()["Addresses"]),
            "file_systems": len(efs.describe_file_systems()["FileSystems"]),
            "instances": len([i for r in ec2.describe_instances()["Reservations"]
                              for i in r["Instances"] if i["State"]["Name"] != "terminated"])}
    say(f"   left in {REGION}: {left}")
    out["left"] = left
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} path/to/local.json", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        info = json.load(f)
    try:
        out = story(info)
    except Failure as e:
        print(f"cluster_story: FAILED: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
