"""The Notebooks page as a person uses it (in-process, forms with their CSRF token): the left
bar's entry, the Create Notebook form (instance types from the catalog, the workspace's
clusters), a refusal shown on the form, OPEN NOTEBOOK for the signed-in only (redirected to
Jupyter with the token, which then answers), the Onboarding step turning green, Remove."""
from __future__ import annotations

import re

import requests

from tests.identity.helpers import Browser, text

from . import helpers as h


def _row(page: str, uuid: str) -> str:
    return page.split(f'id="notebook-{uuid}"', 1)[1].split('class="notebook-details"', 1)[0]


def _onboarding(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="onboarding-(\w+)" class="(\w+)"', page))


def test_create_open_and_remove_from_the_page(platform):
    cluster = h.running_cluster(platform)
    b = Browser(platform)
    h.demo_user(platform, b)
    ws = platform.demo.workspace.uuid

    page = text(b.get("/notebooks"))
    assert 'href="/notebooks" id="nav-notebooks" class="here"' in page
    assert 'id="create-notebook-form"' in page
    assert f'<option value="{cluster["uuid"]}">c1 (RUNNING)</option>' in page
    assert re.search(r'<option value="c5.large">c5.large \(2 vCPU', page)
    assert 'id="no-notebooks"' in page

    refused = b.submit(page, "/notebooks/create", {"workspace": ws, "name": "bad/name",
                                                    "instanceType": "t3.large",
                                                    "clusterUUID": cluster["uuid"]})
    assert refused.status_code == 400 and "name:" in text(refused)
    assert 'id="error"' in text(refused) and 'value="bad/name"' in text(refused)

    reply = b.submit(page, "/notebooks/create", {"workspace": ws, "name": "analysis",
                                                  "instanceType": "c5.large",
                                                  "clusterUUID": cluster["uuid"]})
    assert reply.status_code == 303, text(reply)
    uuid = reply.headers["Location"].rsplit("#notebook-", 1)[1]
    listed = text(b.get(reply.headers["Location"]))
    assert "Notebook creation requested" in listed and 'class="status">NEW<' in _row(listed, uuid)
    assert "OPEN NOTEBOOK" not in _row(listed, uuid)
    assert _onboarding(text(b.get("/")))["notebook"] == "todo"

    h.until(platform, uuid, "READY")
    page = text(b.get("/notebooks"))
    row = _row(page, uuid)
    assert 'class="status">READY<' in row
    assert f'<a class="open" href="/notebooks/{uuid}/open">OPEN NOTEBOOK</a>' in row
    assert f'href="/notebooks/{uuid}/open" target="_blank"' in row
    entry = h.notebook(platform, uuid)["url"]
    assert '<span class="entry"' in row and f">{entry}</span>" in row   # its entry point
    assert "Jupyter started on port" in page.split(f'id="notebook-{uuid}"', 1)[1]
    assert _onboarding(text(b.get("/")))["notebook"] == "done"

    # OPEN NOTEBOOK: to the entry point with the notebook's token; Jupyter answers there.
    opened = b.get(f"/notebooks/{uuid}/open")
    assert opened.status_code == 303
    where = opened.headers["Location"]
    assert re.fullmatch(r"http://localhost:\d+/\?token=[0-9a-f]{48}", where), where
    assert where.startswith(entry)
    session = requests.Session()
    assert session.get(where, timeout=10).status_code == 200
    assert session.get(where.split("?")[0] + "api/contents", timeout=10).status_code == 200
    assert requests.get(where.split("?")[0] + "api/contents", timeout=10).status_code == 403

    # No one else gets the token: not signed in, or signed in elsewhere.
    stranger = Browser(platform)
    shut = stranger.get(f"/notebooks/{uuid}/open")
    assert shut.status_code == 401 and "token=" not in text(shut)
    assert 'id="signin"' in text(shut) or "Sign in" in text(shut)

    reply = b.submit(page, f"/notebooks/{uuid}/remove", {"workspace": ws})
    assert reply.status_code == 303
    after = text(b.get(reply.headers["Location"]))
    assert "Notebook removal requested" in after
    assert 'class="status">TERMINATING<' in _row(after, uuid)
    h.until(platform, uuid, "TERMINATED")
    closed = b.get(f"/notebooks/{uuid}/open")
    assert closed.status_code == 409 and "TERMINATED" in text(closed)
    assert f'id="notebook-{uuid}"' not in text(b.get("/notebooks"))


def test_a_form_without_its_csrf_token_is_refused(platform):
    b = Browser(platform)
    h.demo_user(platform, b)
    reply = b.post("/notebooks/create", {"workspace": platform.demo.workspace.uuid,
                                         "name": "x", "instanceType": "t3.large",
                                         "clusterUUID": "00000000-0000-0000-0000-000000000000"})
    assert reply.status_code == 403


def test_another_organization_cannot_open_it(platform):
    from tests.identity.helpers import signed_up_and_in
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    h.until(platform, created["uuid"], "READY")
    other = Browser(platform)
    signed_up_and_in(other, "eve@example.com")
    reply = other.get(f"/notebooks/{created['uuid']}/open")
    assert reply.status_code == 404 and "token=" not in text(reply)
    assert "Location" not in reply.headers
