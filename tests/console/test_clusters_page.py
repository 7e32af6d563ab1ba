"""The console's frame and Clusters page, as a person uses them (in-process, forms with their
CSRF token): the left bar on every signed-in page, the Onboarding list turning green, a
workspace made from the page, a cluster created with the manual's fields (Show Advanced, Add
your IP), its DETAILS, refusals shown on the form, pause and resume, removal."""
from __future__ import annotations

import json
import re

import boto3

from chalicelib.identity import organizations, users
from chalicelib.linking import links as linking
from local import seed
from tests.identity.helpers import Browser, signed_up_and_in, text
from tests.linking.helpers import account, iam, role_for

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1 ada@laptop"


def _linked(b: Browser) -> dict:
    """Signed in, in an organization linked to an account of its own (the manual's role, made
    by hand, with the platform policy), Corral's images shared with it: its credentials."""
    signed_up_and_in(b)
    org = organizations.get_organization(
        users.find_by_email("ada@example.com").organization_uuid)
    creds = account()
    arn = role_for(org, creds)
    iam(creds).put_role_policy(RoleName=linking.ROLE_NAME, PolicyName="corral",
                               PolicyDocument=json.dumps(linking.platform_policy()))
    linking.link_manually(org, arn.split(":")[4], arn, "us-east-1")
    seed.share_images(organizations.get_organization(org.uuid))
    return creds


def _onboarding(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="onboarding-(\w+)" class="(\w+)"', page))


def _row(page: str, uuid: str) -> str:
    return page.split(f'id="cluster-{uuid}"', 1)[1].split('class="cluster-details"', 1)[0]


def _status(page: str, uuid: str) -> str:
    return re.search(r'class="status">(\w+)<', _row(page, uuid)).group(1)


def _buttons(page: str, uuid: str) -> list[str]:
    return re.findall(r'<button type="submit" class="(\w+)">', _row(page, uuid))


def _act(b: Browser, page: str, uuid: str, action: str, ws_uuid: str) -> str:
    """Press a row's button: the redirect (post/redirect/get) and the page it leads to."""
    reply = b.submit(page, f"/clusters/{uuid}/{action}", {"workspace": ws_uuid})
    assert reply.status_code == 303, text(reply)
    assert reply.headers["Location"].startswith(f"/clusters?workspace={ws_uuid}&done={action}")
    return text(b.get(reply.headers["Location"]))


def test_frame_onboarding_and_a_cluster_from_the_page(platform):
    b = Browser(platform)
    signed_up_and_in(b)
    home = text(b.get("/"))
    for label in ("home", "settings", "clusters", "api-keys"):
        assert f'id="nav-{label}"' in home and f'href="/' in home
    assert 'href="/notebooks" id="nav-notebooks"' in home          # built: live
    assert _onboarding(home) == {"link": "todo", "cluster": "todo", "notebook": "todo",
                                 "job": "todo"}
    page = text(b.get("/clusters"))
    assert 'id="not-linked"' in page and 'id="nav-clusters" class="here"' in page


def test_workspace_then_cluster_then_details_then_removal(platform):
    b = Browser(platform)
    creds = _linked(b)
    assert _onboarding(text(b.get("/")))["link"] == "done"

    page = text(b.get("/clusters"))
    reply = b.submit(page, "/workspaces/create", {"name": "analytics", "region": "us-east-1"})
    assert reply.status_code == 303
    ws_uuid = reply.headers["Location"].split("workspace=")[1]
    platform.settle()
    page = text(b.get(f"/clusters?workspace={ws_uuid}"))
    assert 'id="create-cluster-form"' in page and "c5n.18xlarge" in page

    # A refusal is shown on the form, with what was typed kept.
    form = {"workspace": ws_uuid, "name": "bad name!", "instanceType": "c5.4xlarge",
            "workersQuantity": "2", "autoStop": "0", "action": "create"}
    reply = b.submit(page, "/clusters/create", form)
    assert reply.status_code == 400 and 'id="error"' in text(reply)
    assert 'value="bad name!"' in text(reply)

    # Add your IP: the form again, with the caller's address in the allowed list.
    form.update(name="etl", sshPublicKey=KEY, action="add-ip", allowedIps="203.0.113.0/24")
    reply = b.submit(page, "/clusters/create", form)
    assert reply.status_code == 200
    shown = re.search(r'id="cluster-ips" name="allowedIps" value="([^"]*)"', text(reply))
    assert shown and shown.group(1).startswith("203.0.113.0/24, ")

    form.update(action="create", allowedIps=shown.group(1))
    reply = b.submit(page, "/clusters/create", form)
    assert reply.status_code == 303, text(reply)
    platform.settle()
    page = text(b.get(f"/clusters?workspace={ws_uuid}"))
    row = re.search(r'class="cluster" id="cluster-([0-9a-f-]+)".*?class="status">(\w+)<', page,
                    re.S)
    assert row and row.group(2) == "RUNNING", page
    uuid = row.group(1)
    details = page.split(f'id="cluster-{uuid}"', 1)[1]
    assert f'<code class="uuid">{uuid}</code>' in details
    assert re.search(r'class="node-ips"><code>\d+\.\d+\.\d+\.\d+</code>', details)
    assert "CREATE_CLUSTER <span class=\"task-state\">FINISHED" in details
    assert _onboarding(text(b.get("/")))["cluster"] == "done"

    # Pause, then resume, from the row's buttons: each offered only where the status allows.
    assert _buttons(page, uuid) == ["pause", "stop", "remove"]
    reply = b.submit(page, f"/clusters/{uuid}/resume", {"workspace": ws_uuid})
    assert reply.status_code == 409 and "only a PAUSED cluster can be resumed" in text(reply)
    assert "pause requested" in _act(b, page, uuid, "pause", ws_uuid)
    platform.settle()
    page = text(b.get(f"/clusters?workspace={ws_uuid}"))
    assert _status(page, uuid) == "PAUSED" and _buttons(page, uuid) == ["resume", "remove"]
    assert "Pause requested by user ada@example.com" in page
    assert "resume requested" in _act(b, page, uuid, "resume", ws_uuid)
    platform.settle()
    page = text(b.get(f"/clusters?workspace={ws_uuid}"))
    assert _status(page, uuid) == "RUNNING", page
    assert b.submit(page, f"/clusters/{uuid}/explode", {"workspace": ws_uuid}).status_code == 404

    after = _act(b, page, uuid, "remove", ws_uuid)
    assert f'id="notice">etl: removal requested' in after and _buttons(after, uuid) == []
    reply = b.submit(page, f"/clusters/{uuid}/remove", {"workspace": ws_uuid})
    assert reply.status_code == 409 and "already being removed" in text(reply)
    platform.settle()
    ec2 = boto3.Session(**creds).client("ec2", region_name="us-east-1")
    states = {i["State"]["Name"] for r in ec2.describe_instances(Filters=[
        {"Name": "tag:corral:cluster", "Values": [uuid]}])["Reservations"] for i in r["Instances"]}
    assert states == {"terminated"}
    # Another organization's cluster is not reachable from this page.
    other = platform.create_cluster()
    reply = b.submit(page, f"/clusters/{other['uuid']}/remove", {"workspace": ws_uuid})
    assert reply.status_code == 404


def test_pages_refuse_strangers_and_forged_forms(platform):
    b = Browser(platform)
    assert b.get("/clusters").status_code == 401
    signed_up_and_in(b)
    reply = b.post("/clusters/create", {"name": "x"})   # no CSRF token
    assert reply.status_code == 403
