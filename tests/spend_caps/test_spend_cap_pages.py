"""What the organization's people see: a banner on every signed-in page once a workspace
reaches 80% of its cap (an alert past it), and the Settings section where an admin sets or
removes a cap (CSRF-checked, post/redirect/get)."""
from __future__ import annotations

import re
from dataclasses import asdict, replace

import pytest

from chalicelib.store import records
from tests.identity.helpers import Browser, text
from tests.notebooks.helpers import demo_user
from tests.spend_caps.helpers import read_cap, set_cap
from tests.usage.test_sweep import day_at, move_to, running_cluster

PAGES = ("/clusters", "/jobs", "/notebooks", "/settings")


def banner(page: str, ws_uuid: str) -> tuple[str, str] | None:
    """(level, text) of the workspace's spend cap banner, if the page has one."""
    m = re.search(rf'<p class="banner (\w+)" id="banner-spend-cap-{ws_uuid}"[^>]*>([^<]*)</p>',
                  page)
    return (m.group(1), m.group(2)) if m else None


def test_the_banner_shows_from_80_percent_on_every_page_and_turns_to_an_alert(platform):
    move_to(platform, day_at("10:00:00"))
    browser = Browser(platform)
    demo_user(platform, browser)
    ws = platform.demo.workspace.uuid
    set_cap(platform, 1)
    running_cluster(platform, workersQuantity=2, autoPause=0)
    move_to(platform, day_at("10:23:00"))                        # 46 of 60 minutes: 77%
    assert all(banner(text(browser.get(p)), ws) is None for p in PAGES)
    move_to(platform, day_at("10:24:00"))                        # 48: 80%
    for path in PAGES:
        reply = browser.get(path)
        assert reply.status_code == 200, path
        level, said = banner(text(reply), ws)
        assert level == "warning", path
        assert "Workspace demo has used 80% of its monthly spend cap of 1 instance-hours" in said
    move_to(platform, day_at("10:30:00"))
    level, said = banner(text(browser.get("/clusters")), ws)
    assert level == "alert" and "reached its monthly spend cap of 1 instance-hours" in said
    assert "raise or remove the cap in Settings" in said
    set_cap(platform, None)
    assert banner(text(browser.get("/clusters")), ws) is None


def section_row(page: str, ws_uuid: str) -> str:
    m = re.search(rf'<tr id="spend-cap-{ws_uuid}" class="spend-cap">(.*?)</tr>', page, re.S)
    assert m, page[:3000]
    return m.group(1)


def test_an_admin_sets_and_removes_a_cap_in_settings(platform):
    move_to(platform, day_at("10:00:00"))
    browser = Browser(platform)
    demo_user(platform, browser)
    ws = platform.demo.workspace.uuid
    row = section_row(text(browser.get("/settings")), ws)
    assert '<td class="cap">none</td>' in row and '<td class="state">NONE</td>' in row

    reply = browser.submit("/settings", "/settings/spend-caps",
                           {"workspace": ws, "instanceHours": "12.5", "action": "set"})
    assert reply.status_code == 303
    assert reply.headers["Location"] == f"/settings#spend-cap-{ws}"
    row = section_row(text(browser.get("/settings")), ws)
    assert '<td class="cap">12.5</td>' in row and '<td class="state">OK</td>' in row
    assert '<td class="dollars">0.00 / 6.25</td>' in row           # the default rate
    assert read_cap(platform)["setBy"] == "user nina@example.com"

    running_cluster(platform, workersQuantity=2, autoPause=0)
    move_to(platform, day_at("10:30:00"))
    row = section_row(text(browser.get("/settings")), ws)
    assert '<td class="used">1.00 (8.0%)</td>' in row               # 60 minutes of 750
    assert '<td class="dollars">0.20 / 2.50</td>' in row            # at its own mix

    reply = browser.submit("/settings", "/settings/spend-caps",
                           {"workspace": ws, "instanceHours": "", "action": "remove"})
    assert reply.status_code == 303
    assert read_cap(platform)["state"] == "NONE"


@pytest.mark.parametrize("typed, says", [
    ("", "must be a number of instance-hours"),
    ("ten", "must be a number of instance-hours"),
    ("0", "above 0"),
    ("nan", "above 0"),
    ("-3", "above 0"),
    ("2000000", "at most 1,000,000"),
])
def test_a_bad_value_is_refused_with_what_to_do_and_changes_nothing(platform, typed, says):
    browser = Browser(platform)
    demo_user(platform, browser)
    set_cap(platform, 3)
    reply = browser.submit("/settings", "/settings/spend-caps",
                           {"workspace": platform.demo.workspace.uuid, "instanceHours": typed,
                            "action": "set"})
    assert reply.status_code == 400
    assert says in text(reply) and 'href="/settings#spend-caps"' in text(reply)
    assert read_cap(platform)["instanceHours"] == 3


def test_the_form_needs_its_csrf_token_an_admin_and_a_workspace_of_the_organization(platform):
    browser = Browser(platform)
    user = demo_user(platform, browser)
    ws = platform.demo.workspace.uuid
    set_cap(platform, 3)
    forged = browser.post("/settings/spend-caps", {"workspace": ws, "instanceHours": "500",
                                                   "action": "set"})
    assert forged.status_code == 403
    unknown = browser.submit("/settings", "/settings/spend-caps", {
        "workspace": "6f1c1c2e-9d1a-4a43-8e0a-3b8b0f0e8a11", "instanceHours": "5",
        "action": "set"})
    assert unknown.status_code == 404
    member = replace(user, role="member")
    records.put_record(f"user#{user.uuid}", "user", "user", asdict(member))
    refused = browser.submit("/settings", "/settings/spend-caps",
                             {"workspace": ws, "instanceHours": "500", "action": "set"})
    assert refused.status_code == 403 and "Only an organization admin" in text(refused)
    assert read_cap(platform)["instanceHours"] == 3


def test_a_stranger_is_asked_to_sign_in(platform):
    reply = Browser(platform).post("/settings/spend-caps", {"workspace": "x"})
    assert reply.status_code == 401
