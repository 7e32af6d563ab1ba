"""Driving notebooks on the in-process platform: a RUNNING cluster, a notebook on it, and the
platform moved on (fake clock, ticks, the pump) until a notebook reaches a status. A READY
notebook always has a step due (it watches its cluster every few minutes), so
`platform.settle()` never settles while one lives: these helpers wait for what they need."""
from __future__ import annotations

import os
import re
from pathlib import Path

from handlers.tick import tick

NOTEBOOK_TYPE = "t3.large"


def running_cluster(platform, **fields) -> dict:
    created = platform.create_cluster(**fields)
    platform.pump.drain()
    cluster = platform.cluster(created["uuid"])
    assert cluster["status"] == "RUNNING", cluster
    return cluster


def notebook(platform, uuid: str) -> dict:
    reply = platform.request("GET", f"/v1/notebooks/{uuid}")
    assert reply.status_code == 200, reply.body
    return reply.json_body


def create(platform, cluster_uuid: str, name: str = "nb1", instance_type: str = NOTEBOOK_TYPE
           ) -> dict:
    reply = platform.request("POST", "/v1/notebooks", {
        "name": name, "instanceType": instance_type, "clusterUUID": cluster_uuid})
    assert reply.status_code == 200, reply.body
    return reply.json_body


def until(platform, uuid: str, statuses, rounds: int = 80, step_seconds: float = 15) -> dict:
    """Move the platform on until the notebook is in one of `statuses`."""
    statuses = {statuses} if isinstance(statuses, str) else set(statuses)
    for _ in range(rounds):
        platform.pump.drain()
        found = notebook(platform, uuid)
        if found["status"] in statuses:
            return found
        platform.clock.advance(step_seconds)
        tick()
    raise AssertionError(f"notebook {uuid} never reached {statuses}: {notebook(platform, uuid)}")


def task(platform, uuid: str) -> dict:
    tasks = platform.request("GET", f"/v1/tasks?resourceUUID={uuid}").json_body["data"]
    return tasks[-1]


def node(platform, notebook_uuid: str) -> dict:
    reply = platform.customer("ec2").describe_instances(
        Filters=[{"Name": "tag:corral:notebook", "Values": [notebook_uuid]}])
    found = [i for r in reply["Reservations"] for i in r["Instances"]]
    assert len(found) == 1, found
    return found[0]


def node_group(platform, notebook_uuid: str) -> dict:
    """The node's own security group, as DescribeSecurityGroups gives it."""
    found = platform.customer("ec2").describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [f"corral-nb-{notebook_uuid}"]}])["SecurityGroups"]
    assert len(found) == 1, found
    return found[0]


def entry_point(platform, notebook_uuid: str) -> tuple[list[dict], list[dict]]:
    """The notebook's distributions and VPC origins in the customer's account (by the
    comment and the name the platform gives them)."""
    cf = platform.customer("cloudfront")
    dists = [d for d in cf.list_distributions()["DistributionList"].get("Items") or []
             if d["Comment"] == f"corral notebook {notebook_uuid}"]
    origins = [v for v in cf.list_vpc_origins()["VpcOriginList"].get("Items") or []
               if v["Name"] == f"corral-nb-{notebook_uuid}"]
    return dists, origins


def assert_no_entry_point(platform, notebook_uuid: str, url: str | None = None) -> None:
    """Nothing of the notebook's entry point or group is left; its address is closed."""
    import requests
    assert entry_point(platform, notebook_uuid) == ([], []), entry_point(platform, notebook_uuid)
    assert not platform.customer("ec2").describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [f"corral-nb-{notebook_uuid}"]}])["SecurityGroups"]
    if url:
        try:
            requests.get(url, timeout=5)
        except requests.ConnectionError:
            return
        raise AssertionError(f"{url} still answers")


def jupyter_processes(under: Path | None = None) -> list[str]:
    """Jupyter servers running on this machine (not zombies), those started under `under`
    (a platform's state directory) when given: their command lines."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        pid = stat.parent.name
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(stat.parent / "cwd")
        except (OSError, IndexError):
            continue
        if state == "Z" or not re.search(r"jupyter[- ]server", cmdline):
            continue
        if under is None or cwd.startswith(str(under)):
            found.append(f"{pid} {cmdline}")
    return found


def minutes(platform, count: int) -> None:
    """Let time pass minute by minute, the tick and the workers running as on AWS."""
    for _ in range(count):
        platform.clock.advance(60)
        tick()
        platform.pump.drain()


def demo_user(platform, browser, email: str = "nina@example.com"):
    """A signed-in person of the demo organization (the Browser carries the session cookie):
    written as activation leaves a user, and given a session as sign-in does."""
    from dataclasses import asdict

    from chalicelib.identity import sessions, users
    from chalicelib.kernel.ids import new_uuid
    from chalicelib.store import records
    user = users.User(new_uuid(), email, "Nina", platform.demo.organization.uuid,
                      users.hash_password("correct horse 42"), platform.clock(), activated=True)
    records.put_record(f"user#{user.uuid}", "user", "user", asdict(user))
    browser.cookies[sessions.SESSION_COOKIE] = sessions.issue_session(
        user.uuid, user.organization_uuid)
    return user
