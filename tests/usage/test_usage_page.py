"""This month's usage on the Settings page, by cluster and by instance type."""
from __future__ import annotations

from tests.identity.helpers import Browser, text
from tests.notebooks.helpers import demo_user
from tests.usage.test_sweep import day_at, move_to, running_cluster, tick


def test_settings_shows_this_months_usage(platform):
    browser = Browser(platform)
    move_to(platform, day_at("10:00:00"))
    demo_user(platform, browser)             # a session of an hour, from now
    page = text(browser.get("/settings"))
    assert 'id="usage-none"' in page or 'id="usage-by-cluster"' in page
    running_cluster(platform, name="etl", workersQuantity=3)
    move_to(platform, day_at("10:03:00"))
    page = text(browser.get("/settings"))
    assert 'id="usage-by-cluster"' in page
    assert "<td>etl</td><td>cluster</td><td>9</td><td>0.03</td>" in page
    assert "<td>c5.2xlarge</td><td>9</td><td>0.03</td>" in page
    assert '<th id="usage-total-minutes">9</th>' in page
    move_to(platform, day_at("10:55:00"))
    tick(platform)
    page = text(browser.get("/settings"))
    assert '<th id="usage-total-minutes">165</th>' in page      # 55 minutes x 3 nodes
    move_to(platform, day_at("11:05:00"))
    tick(platform)
    demo_user(platform, browser, "nina2@example.com")
    page = text(browser.get("/settings"))
    assert '<th id="usage-total-minutes">195</th>' in page      # 65 minutes x 3 nodes
