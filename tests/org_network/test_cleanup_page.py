"""The Settings page's "Show Advanced" > "AWS Resource Cleanup": a region picker and CLEANUP
AWS RESOURCES, a CSRF-checked form that starts the same command as the API and shows its task,
or why it was refused."""
from __future__ import annotations

from chalicelib.identity import organizations, users
from chalicelib.linking import links as linking
from chalicelib.org_network import commands as org_network
from chalicelib.org_network.machine import NetworkStatus
from local import seed
from tests.identity.helpers import Browser, signed_up_and_in, text
from tests.linking.helpers import role_for

EMAIL = "grace@example.com"


def linked_browser(platform):
    browser = Browser(platform)
    signed_up_and_in(browser, EMAIL)
    org = organizations.get_organization(users.find_by_email(EMAIL).organization_uuid)
    role_arn = role_for(org, platform.customer_creds, name="BodoPlatformUserGrace")
    org = linking.link_manually(org, platform.demo.customer_account_id, role_arn, "us-east-1")
    return browser, org


def test_settings_shows_the_cleanup_behind_show_advanced(platform):
    browser, _ = linked_browser(platform)
    page = text(browser.get("/settings"))
    assert "Show Advanced" in page and "AWS Resource Cleanup" in page
    assert "CLEANUP AWS RESOURCES" in page and 'action="/settings/cleanup"' in page
    assert '<details id="advanced">' in page          # closed until asked
    for region in ("us-east-1", "us-east-2", "us-west-1", "us-west-2"):
        assert f'<option value="{region}"' in page


def test_the_form_starts_the_cleanup_and_shows_its_task(platform):
    browser, org = linked_browser(platform)
    reply = browser.submit("/settings", "/settings/cleanup", {"region": "us-west-2"})
    page = text(reply)
    assert reply.status_code == 200, page
    assert "Cleanup of us-west-2 started" in page and 'id="cleanup-task-uuid"' in page
    task_uuid = org_network.get(org.uuid, "us-west-2").task.uuid
    assert task_uuid in page
    platform.settle()
    assert org_network.get(org.uuid, "us-west-2").status == NetworkStatus.REMOVED
    shown = browser.get(f"/v1/tasks/{task_uuid}")
    assert shown.status_code == 200 and shown.json_body["status"] == "FINISHED"


def test_the_form_says_why_it_is_refused(platform):
    browser, org = linked_browser(platform)
    seed.request_workspace(org, "lab", "us-east-2")
    reply = browser.submit("/settings", "/settings/cleanup", {"region": "us-east-2"})
    assert reply.status_code == 409
    page = text(reply)
    assert "workspaces: lab" in page and 'id="error"' in page and "<details id=\"advanced\" open" in page
    assert org_network.get(org.uuid, "us-east-2") is None or \
        org_network.get(org.uuid, "us-east-2").status != NetworkStatus.REMOVING
    bad = browser.submit("/settings", "/settings/cleanup", {"region": "eu-west-9"})
    assert bad.status_code == 400 and "not supported" in text(bad)


def test_the_form_needs_its_csrf_token_and_a_session(platform):
    browser, org = linked_browser(platform)
    forged = browser.post("/settings/cleanup", {"region": "us-west-2", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert org_network.get(org.uuid, "us-west-2") is None
    stranger = Browser(platform).post("/settings/cleanup", {"region": "us-west-2"})
    assert stranger.status_code == 401


def test_nothing_to_clean_up_without_a_linked_account(platform):
    browser = Browser(platform)
    signed_up_and_in(browser, "ada@example.com")
    reply = browser.submit("/settings", "/settings/cleanup", {"region": "us-west-2"})
    assert reply.status_code == 409 and "No AWS account is linked" in text(reply)
