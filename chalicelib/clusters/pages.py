"""The Clusters page of the console: the workspace's clusters with their status, the Create
Cluster form with the manual's fields (Show Advanced: SSH public key, "Add your IP"), DETAILS
per cluster (uuid, node addresses, core count, hostfile, the task and its details), and the
buttons to pause, resume, stop, restart and remove.
Everything goes through the same commands and shapes as the SDK's routes, so a page can accept
nothing the API would refuse."""
from __future__ import annotations

import ipaddress
import re

from chalice import Blueprint

from ..api.http import ApiError
from ..api.shapes import render_task
from ..identity.page_access import signed_in_page
from ..kernel.errors import DomainError
from ..kernel.regions import REGIONS
from ..web import pages
from ..web.pages import SIGNED_IN_FORM, PageError, checked_form, redirect, render
from ..workspaces import catalog
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from . import commands, shapes
from .machine import REMOVABLE
from .machine import ClusterStatus as S

bp = Blueprint(__name__)
pages.offer("/clusters")
# The manual's "Cluster auto shutdown" choices, in minutes (0: never).
IDLE_CHOICES = ((0, "Never"), (30, "30 minutes"), (60, "1 hour"), (120, "2 hours"),
                (480, "8 hours"), (1440, "1 day"))
_LIST = shapes.parse_list({"size": ["1000"], "status": sorted(shapes.LIVE_STATUSES)})
_SPLIT = re.compile(r"[\s,]+")


def _workspace(org, wanted: str | None) -> tuple[Workspace | None, list[Workspace]]:
    return workspaces.pick(org.uuid, wanted)


def _catalog(ws: Workspace | None) -> tuple[list, list, str | None]:
    """(instance types, Bodo versions, why the lists are empty): the manual's notes say why a
    dropdown would not populate; the page says it in words."""
    if ws is None or ws.status != WorkspaceStatus.READY:
        return [], [], None
    try:
        return catalog.instance_type_list(ws), catalog.bodo_versions(ws), None
    except DomainError as e:
        return [], [], e.message


def actions_for(status: str) -> list[tuple[str, str]]:
    """The buttons a cluster's row offers in its status (the commands decide all the same)."""
    offered = {S.RUNNING: [("pause", "Pause"), ("stop", "Stop")],
               S.PAUSED: [("resume", "Resume")], S.STOPPED: [("restart", "Restart")]}
    status = S(status)
    return offered.get(status, []) + ([("remove", "Remove")] if status in REMOVABLE else [])


def _page(request, user, org, ws_uuid: str | None, status: int = 200, **extra):
    ws, live = _workspace(org, ws_uuid)
    clusters = commands.list_page(ws.uuid, _LIST)[0] if ws else []
    action, acted_on = extra.pop("done", (None, None))
    if action in ACTIONS:    # what the redirect after a button says was asked
        name = next((c.spec.name for c in clusters if c.uuid == acted_on), None)
        extra.setdefault("notice", f"{name}: {ACTIONS[action][1]}" if name else None)
    types, versions, catalog_problem = _catalog(ws)
    return render(request, "clusters.html", status=status, user=user, org=org, workspace=ws,
                  workspaces=live, clusters=[(c, shapes.render(c), render_task(c.task))
                                             for c in clusters],
                  types=types, versions=versions, catalog_problem=catalog_problem,
                  idle_choices=IDLE_CHOICES, regions=REGIONS, values=extra.pop("values", {}),
                  actions_for=actions_for,
                  **extra)


@bp.route("/clusters", methods=["GET"])
@signed_in_page(bp)
def clusters_page(user, org):
    params = bp.current_request.query_params or {}
    return _page(bp.current_request, user, org, params.get("workspace"),
                 done=(params.get("done"), params.get("cluster")))


def _source_ip(request) -> str | None:
    ip = (request.context or {}).get("identity", {}).get("sourceIp")
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def _number(data: dict, field: str):
    text = data.get(field, "").strip()
    return int(text) if text.isdigit() else (text or None)


def create_body(data: dict) -> dict:
    """The form as the SDK's create body: the same validation then applies to both."""
    ips = [ip for ip in _SPLIT.split(data.get("allowedIps", "")) if ip]
    return {"name": data.get("name", "").strip(), "instanceType": data.get("instanceType", ""),
            "workersQuantity": _number(data, "workersQuantity"),
            "bodoVersion": data.get("bodoVersion") or None,
            "acceleratedNetworking": data.get("acceleratedNetworking") == "on",
            "autoStop": _number(data, "autoStop"), "autoPause": _number(data, "autoPause"),
            "description": data.get("description", ""),
            "sshPublicKey": data.get("sshPublicKey", "").strip() or None,
            "allowedIps": ips}


@bp.route("/clusters/create", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def create_cluster(user, org):
    request = bp.current_request
    data = checked_form(request)
    ws, _ = _workspace(org, data.get("workspace"))
    if ws is None:
        raise PageError(409, "No workspace", "Create a workspace first: a cluster lives in "
                        "one.", ("/clusters", "Back to Clusters"))
    if data.get("action") == "add-ip":   # "Add your IP": the form again, with the address
        ip = _source_ip(request)
        listed = data.get("allowedIps", "").strip()
        if ip and ip not in _SPLIT.split(listed):
            data["allowedIps"] = f"{listed}, {ip}" if listed else ip
        return _page(request, user, org, ws.uuid, values=data, show_create=True,
                     notice=None if ip else "Your address could not be read from the request.")
    try:
        created = commands.create(ws, shapes.parse_create(ws, create_body(data)))
    except ApiError as e:
        return _page(request, user, org, ws.uuid, status=e.status, error=e.message,
                     values=data, show_create=True)
    except DomainError as e:
        return _page(request, user, org, ws.uuid, status=409, error=e.message, values=data,
                     show_create=True)
    return redirect(f"/clusters?workspace={ws.uuid}#cluster-{created.uuid}")


# What the buttons of a cluster's row do: the SDK's commands (a state that forbids one is a
# 409 saying why, as on the API), each recorded as asked by the signed-in user.
ACTIONS = {"remove": (lambda ws, c, by: commands.remove(ws, c, by=by), "removal requested"),
           "pause": (commands.pause, "pause requested"),
           "resume": (commands.resume, "resume requested"),
           "stop": (commands.stop, "stop requested"),
           "restart": (commands.restart, "restart requested")}


@bp.route("/clusters/{cluster_uuid}/{action}", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def cluster_action(user, org, cluster_uuid, action):
    request = bp.current_request
    if action not in ACTIONS:
        raise PageError(404, "No such action", f"A cluster cannot be asked to {action!r}.",
                        ("/clusters", "Back to Clusters"))
    act, done = ACTIONS[action]
    data = checked_form(request)
    ws, _ = _workspace(org, data.get("workspace"))
    if ws is None or ws.uuid != data.get("workspace"):
        raise PageError(404, "No such workspace", "The workspace of that cluster is gone.",
                        ("/clusters", "Back to Clusters"))
    try:
        found = act(ws.uuid, cluster_uuid, f"user {user.email}")
    except DomainError as e:
        return _page(request, user, org, ws.uuid, status=409, error=e.message)
    if found is None:
        return _page(request, user, org, ws.uuid, status=404,
                     error=f"There is no cluster {cluster_uuid} in workspace {ws.name}.")
    # Post/redirect/get: a reload of the page that follows asks nothing again.
    return redirect(f"/clusters?workspace={ws.uuid}&done={action}&cluster={cluster_uuid}"
                    f"#cluster-{cluster_uuid}")
