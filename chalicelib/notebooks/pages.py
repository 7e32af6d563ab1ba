"""The Notebooks page of the console: the workspace's notebooks with their status and cluster,
the Create Notebook form (the manual's name, instance type and cluster), OPEN NOTEBOOK (here,
or in a new tab) once READY, DETAILS (the task and its probes), and Remove. Everything goes
through the same commands and shapes as the SDK's routes.

OPEN NOTEBOOK is /notebooks/{uuid}/open: only a person signed in to the notebook's
organization gets past it, to the notebook's entry point (its CloudFront distribution in
front of Jupyter on the node) with the notebook's token; the row shows the entry point."""
from __future__ import annotations

from chalice import Blueprint

from ..api.http import ApiError
from ..api.shapes import render_task
from ..clusters import commands as clusters
from ..identity.page_access import signed_in_page
from ..kernel.errors import DomainError
from ..kernel.listing import ListQuery
from ..web import pages
from ..web.pages import SIGNED_IN_FORM, PageError, checked_form, redirect, render
from ..workspaces import catalog
from ..workspaces import commands as workspaces
from ..workspaces.machine import Workspace, WorkspaceStatus
from . import commands, shapes
from .machine import ATTACHABLE, REMOVABLE
from .machine import NotebookStatus as S

bp = Blueprint(__name__)
pages.offer("/notebooks")
_LIST = shapes.parse_list({"size": ["1000"], "status": sorted(shapes.LIVE_STATUSES)})
_CLUSTERS = ListQuery(number=1, size=1000, statuses=frozenset(ATTACHABLE),
                      live_statuses=frozenset(ATTACHABLE))
BACK = ("/notebooks", "Back to Notebooks")


def _workspace(org, wanted: str | None) -> tuple[Workspace | None, list[Workspace]]:
    live = workspaces.live(org.uuid)
    chosen = next((w for w in live if w.uuid == wanted), None) if wanted else None
    if chosen is None and live:
        chosen = next((w for w in live if w.status == WorkspaceStatus.READY), live[0])
    return chosen, live


def _types(ws: Workspace | None) -> tuple[list, str | None]:
    if ws is None or ws.status != WorkspaceStatus.READY:
        return [], None
    try:
        return catalog.instance_type_list(ws), None
    except DomainError as e:
        return [], e.message


def _page(request, user, org, ws_uuid: str | None, status: int = 200, **extra):
    ws, live = _workspace(org, ws_uuid)
    notebooks = commands.list_page(ws.uuid, _LIST)[0] if ws else []
    attachable = clusters.list_page(ws.uuid, _CLUSTERS)[0] if ws else []
    types, catalog_problem = _types(ws)
    return render(request, "notebooks.html", status=status, user=user, org=org, workspace=ws,
                  workspaces=live, types=types, catalog_problem=catalog_problem,
                  clusters=attachable, values=extra.pop("values", {}),
                  notebooks=[(n, shapes.render(n), render_task(n.task)) for n in notebooks],
                  ready=S.READY.value, removable={s.value for s in REMOVABLE},
                  open_path=shapes.open_path, **extra)


@bp.route("/notebooks", methods=["GET"])
@signed_in_page(bp)
def notebooks_page(user, org):
    params = bp.current_request.query_params or {}
    notice = None
    if params.get("done") == "remove":
        notice = "Notebook removal requested"
    elif params.get("done") == "create":
        notice = "Notebook creation requested: it is READY once its node passes the probes"
    return _page(bp.current_request, user, org, params.get("workspace"), notice=notice)


def create_body(data: dict) -> dict:
    return {"name": data.get("name", "").strip(), "instanceType": data.get("instanceType", ""),
            "clusterUUID": data.get("clusterUUID", "")}


@bp.route("/notebooks/create", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def create_notebook(user, org):
    request = bp.current_request
    data = checked_form(request)
    ws, _ = _workspace(org, data.get("workspace"))
    if ws is None:
        raise PageError(409, "No workspace", "Create a workspace and a cluster first: a "
                        "notebook attaches to a cluster.", BACK)
    try:
        created = commands.create(ws, shapes.parse_create(ws, create_body(data)))
    except ApiError as e:
        return _page(request, user, org, ws.uuid, status=e.status, error=e.message,
                     values=data, show_create=True)
    except DomainError as e:
        return _page(request, user, org, ws.uuid, status=409, error=e.message, values=data,
                     show_create=True)
    return redirect(f"/notebooks?workspace={ws.uuid}&done=create#notebook-{created.uuid}")


@bp.route("/notebooks/{notebook_uuid}/remove", methods=["POST"], content_types=SIGNED_IN_FORM)
@signed_in_page(bp)
def remove_notebook(user, org, notebook_uuid):
    request = bp.current_request
    data = checked_form(request)
    ws, _ = _workspace(org, data.get("workspace"))
    if ws is None or ws.uuid != data.get("workspace"):
        raise PageError(404, "No such workspace", "The workspace of that notebook is gone.",
                        BACK)
    try:
        found = commands.remove(ws.uuid, notebook_uuid, by=f"user {user.email}")
    except DomainError as e:
        return _page(request, user, org, ws.uuid, status=409, error=e.message)
    if found is None:
        return _page(request, user, org, ws.uuid, status=404,
                     error=f"There is no notebook {notebook_uuid} in workspace {ws.name}.")
    return redirect(f"/notebooks?workspace={ws.uuid}&done=remove#notebook-{notebook_uuid}")


@bp.route("/notebooks/{notebook_uuid}/open", methods=["GET"])
@signed_in_page(bp)
def open_notebook(user, org, notebook_uuid):
    """Only for a person signed in to the notebook's organization (others get the sign-in
    page, or a 404 that says nothing of another organization's notebooks)."""
    found = commands.find_in_organization(org.uuid, notebook_uuid)
    if found is None:
        raise PageError(404, "No such notebook", "There is no such notebook in your "
                        "organization.", BACK)
    try:
        return redirect(commands.jupyter_address(found))
    except DomainError as e:
        raise PageError(409, "Notebook not ready", e.message, BACK) from None
