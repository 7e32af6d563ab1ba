"""The sign-up story in a real browser: headless Chromium (Debian's package) driven by selenium
against `python -m local.run`: the local AWS Marketplace sends the browser to the registration
page, sign up, follow the activation link (printed by local.run, as `make run` shows it), sign
in, create an API key (then used for the SDK's token exchange), link the customer account with
"Create role for me" and watch the AMI share status turn ready; a cluster, and a notebook
attached to it, opened in the browser; a job, then a job template and a cron job on the Jobs
page with their buttons. All of it under API Gateway's stage path (/api), as the execute-api
URL serves the platform."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.server import (
    PLATFORM_PYTHON,
    ROOT,
    SDK_PYTHON,
    _ci,
    _local_env,
    _stop,
    _tail,
    _wait_for_settings,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 30            # seconds for a page to show what the story expects
READY_TIMEOUT = 90   # seconds for the AMI shares to finish (tick every second)
EMAIL = "grace@example.com"
PASSWORD = "a long passphrase 7"
STAGE = "/api"
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1 grace@laptop"


def _need_browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        message = (f"missing {', '.join(missing)}: `make test` installs Chromium "
                   "(scripts/ensure-chromium) and selenium (requirements-dev.txt)")
        if _ci():
            pytest.fail(message)
        pytest.skip(message)


def _driver(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def _wait_for(driver, what: str, predicate, timeout: float = WAIT):
    """Poll `predicate` until it is truthy. An element read while the page is being replaced
    (a form was just submitted) goes stale: that is a reason to look again, not a failure."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: predicate(d))
    except Exception as e:
        raise AssertionError(f"waited up to {timeout}s for {what} ({type(e).__name__}); the "
                             f"page shows:\n{driver.current_url}\n"
                             f"{driver.page_source[:3000]}") from None


def _by_id(driver, element_id: str):
    from selenium.webdriver.common.by import By
    found = driver.find_elements(By.ID, element_id)
    return found[0] if found else None


def _text(driver, element_id: str) -> str:
    element = _by_id(driver, element_id)
    return element.text if element is not None else ""


def _fill(driver, values: dict[str, str]) -> None:
    for element_id, value in values.items():
        element = _by_id(driver, element_id)
        assert element is not None, f"no #{element_id} on {driver.current_url}"
        element.clear()
        element.send_keys(value)


def _cluster_statuses(driver) -> list[str]:
    return re.findall(r'class="status">(\w+)<', driver.page_source)


def _activation_link(log: Path) -> str:
    found = re.findall(rf"Activation link for {re.escape(EMAIL)}: (\S+)",
                       log.read_text(errors="replace"))
    return found[-1] if found else ""


def _await_cluster(driver, status: str) -> None:
    """Reload the Clusters page until the cluster shows `status` (FAILED ends the wait)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while status not in _cluster_statuses(driver):
        assert time.monotonic() < deadline and "FAILED" not in _cluster_statuses(driver), (
            f"cluster not {status} within {READY_TIMEOUT}s:\n{driver.page_source[:4000]}")
        time.sleep(1)
        driver.get(driver.current_url.split("#")[0])


def _notebook_statuses(driver) -> list[str]:
    return re.findall(r'class="status">(\w+)<', driver.page_source)


def _await_notebook(driver, status: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while status not in _notebook_statuses(driver):
        assert time.monotonic() < deadline and "FAILED" not in _notebook_statuses(driver), (
            f"notebook not {status} within {READY_TIMEOUT}s:\n{driver.page_source[:4000]}")
        time.sleep(1)
        driver.get(driver.current_url.split("#")[0])


def _notebook_on_the_cluster(driver) -> None:
    """The Notebooks page, from the left bar: a notebook attached to the RUNNING cluster,
    probed READY, opened (Jupyter Server answers in the browser, signed in by its token), the
    new-tab link, then removed."""
    from selenium.webdriver.support.ui import Select
    _by_id(driver, "nav-notebooks").click()
    _wait_for(driver, "the Notebooks page", lambda d: _by_id(d, "create-notebook"))
    driver.find_element("css selector", "#create-notebook > summary").click()
    _fill(driver, {"notebook-name": "analysis"})
    Select(_by_id(driver, "notebook-type")).select_by_value("c5.large")
    assert "first (RUNNING)" in Select(_by_id(driver, "notebook-cluster")).first_selected_option.text
    _by_id(driver, "create-notebook-button").click()
    _wait_for(driver, "the creation notice", lambda d: "creation requested" in _text(d, "notice"))
    _await_notebook(driver, "READY")
    tab = driver.find_element("css selector", "a.open-tab")
    assert tab.get_attribute("target") == "_blank"
    notebooks_page = driver.current_url
    driver.find_element("css selector", "a.open").click()
    _wait_for(driver, "Jupyter Server's page", lambda d: "Jupyter" in d.page_source
              and d.current_url.startswith("http://localhost:"))
    assert "token=" in driver.current_url or driver.get_cookies()
    driver.get(driver.current_url.split("?")[0] + "api/contents")
    _wait_for(driver, "the shared folder's listing", lambda d: ".hostfile-" in d.page_source)
    driver.get(notebooks_page)
    _wait_for(driver, "the Notebooks page", lambda d: _by_id(d, "notebooks"))
    driver.find_element("css selector", "tr.notebook button.remove").click()
    _wait_for(driver, "the removal notice", lambda d: "removal requested" in _text(d, "notice"))
    _await_notebook(driver, "TERMINATING") if "TERMINATING" in _notebook_statuses(driver) else None


def _workspace_headers(api_url: str, client_id: str, secret: str) -> dict:
    """A workspace key minted with the organization key (as sdk_after_signup.py does): its
    bearer headers."""
    def token(cid: str, key: str) -> str:
        reply = requests.post(f"{api_url}/identity/resources/auth/v2/api-token", timeout=15,
                              json={"clientId": cid, "secret": key})
        reply.raise_for_status()
        return reply.json()["access_token"]
    org = {"Authorization": f"Bearer {token(client_id, secret)}"}
    [ws] = requests.get(f"{api_url}/v1/workspaces", headers=org, timeout=15).json()["data"]
    made = requests.post(f"{api_url}/v1/workspaces/{ws['uuid']}/api-tokens", headers=org,
                         json={"name": "schedules"}, timeout=15)
    made.raise_for_status()
    return {"Authorization": f"Bearer {token(made.json()['clientId'], made.json()['secret'])}"}


def _await_row(driver, selector: str, what: str, predicate) -> None:
    """Reload the Jobs page until the element at `selector` satisfies `predicate`."""
    from selenium.webdriver.common.by import By
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        if predicate(found):
            return
        assert time.monotonic() < deadline, f"{what}:\n{driver.page_source[:4000]}"
        time.sleep(1)
        driver.get(driver.current_url.split("#")[0])


def _templates_and_cron_jobs(driver, api_url: str, client_id: str, secret: str) -> None:
    """A job template and a cron job made through the API (as the SDK makes them), then on the
    Jobs page with their buttons: the template run now on the cluster picked in its row, its
    latest run SUCCEEDED in the row; the cron job deactivated, reactivated, run now, deleted."""
    h = _workspace_headers(api_url, client_id, secret)
    clusters = requests.get(f"{api_url}/v2/clusters", headers=h, timeout=15).json()["data"]
    cluster = next(c["uuid"] for c in clusters if c["status"] == "RUNNING")
    tpl = requests.post(f"{api_url}/v1/job-templates", headers=h, timeout=15, json={
        "name": "hello-template", "config": {
            "type": "PYTHON", "sourceLocation": "main.py", "envVars": {"WHO": "template"},
            "source": {"type": "WORKSPACE", "sourceDef": {"path": "/shared/app"}}}}).json()
    cron = requests.post(f"{api_url}/v1/cron-jobs", headers=h, timeout=15, json={
        "name": "yearly", "schedule": "0 6 1 1 *", "timezone": "Etc/GMT",
        "jobTemplateUUID": tpl["uuid"], "clusterUUID": cluster}).json()
    _by_id(driver, "nav-jobs").click()
    _wait_for(driver, "the template's row", lambda d: _by_id(d, f"template-{tpl['uuid']}"))
    row, cron_row = f"#template-{tpl['uuid']}", f"#cron-{cron['uuid']}"
    assert "never run" in driver.find_element("css selector", row).text
    assert driver.find_element("css selector", f"{cron_row} .cron-status").text == "ACTIVE"
    assert driver.find_element("css selector", f"{cron_row} .next-run").text.endswith(
        "-01-01T06:00:00+00:00")
    driver.find_element("css selector", f"{row} button.run-now").click()
    _wait_for(driver, "the run notice", lambda d: "template run submitted" in _text(d, "notice"))
    _await_row(driver, f"{row} .run-status", "the template's run SUCCEEDED",
               lambda found: found and found[0].text == "SUCCEEDED")
    driver.find_element("css selector", f"{cron_row} button.deactivate").click()
    _wait_for(driver, "the deactivation", lambda d: "cron job deactivated" in _text(d, "notice"))
    assert driver.find_element("css selector", f"{cron_row} .cron-status").text == "INACTIVE"
    driver.find_element("css selector", f"{cron_row} button.reactivate").click()
    _wait_for(driver, "the reactivation", lambda d: "cron job reactivated" in _text(d, "notice"))
    driver.find_element("css selector", f"{cron_row} button.run").click()
    _wait_for(driver, "the run notice", lambda d: "cron job run started" in _text(d, "notice"))
    _await_row(driver, f"{cron_row} .run-status", "the cron job's run SUCCEEDED",
               lambda found: found and found[0].text == "SUCCEEDED")
    assert driver.find_element("css selector", f"{cron_row} .cron-status").text == "ACTIVE"
    driver.find_element("css selector", f"{cron_row} button.delete").click()
    _wait_for(driver, "the deletion", lambda d: "cron job deleted" in _text(d, "notice"))
    assert not driver.find_elements("css selector", cron_row)


def test_signup_in_a_browser(tmp_path, monkeypatch):
    _need_browser()
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    state_dir, server_log = tmp_path / "corral", tmp_path / "local-run.log"
    # Under API Gateway's stage path, as the execute-api URL serves it: every link, form and
    # redirect of the pages must keep it (local/stage_path.py; web/pages.py: base_path).
    env = _local_env(CORRAL_PORT="0", CORRAL_STATE_DIR=str(state_dir), CORRAL_TICK_SECONDS="1",
                     PYTHONUNBUFFERED="1", CORRAL_STAGE_PATH=STAGE)
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID", "CORRAL_PUBLIC_URL"):
        env.pop(var, None)
    with server_log.open("wb") as log_file:
        server = subprocess.Popen([str(PLATFORM_PYTHON), "-m", "local.run"], cwd=ROOT, env=env,
                                  stdout=log_file, stderr=subprocess.STDOUT)
    driver = None
    try:
        info = _wait_for_settings(server, state_dir / "local.json")
        driver = _driver(tmp_path / "chromium-profile")
        driver.set_page_load_timeout(WAIT)

        # The AWS Marketplace (local) posts the registration token to the registration page.
        driver.get(info["signup_url"])
        _wait_for(driver, "the registration page", lambda d: _by_id(d, "signup"))
        assert "SIGN UP" in driver.page_source
        _fill(driver, {"name": "Grace Hopper", "email": EMAIL, "organization": "Compilers",
                       "password": PASSWORD})
        _by_id(driver, "terms").click()
        _by_id(driver, "submit").click()
        _wait_for(driver, "the check-your-email page",
                  lambda d: _text(d, "title") == "Check your email")
        assert "activation link was sent to your email" in _text(driver, "message")

        # The activation link, as local.run prints it.
        link = _wait_for(driver, "the activation link in the log",
                         lambda d: _activation_link(server_log))
        driver.get(link)
        _wait_for(driver, "the activated page", lambda d: _text(d, "title") == "Account activated")
        _by_id(driver, "next").click()

        _wait_for(driver, "the sign-in form", lambda d: _by_id(d, "signin"))
        _fill(driver, {"email": EMAIL, "password": PASSWORD})
        _by_id(driver, "submit").click()
        _wait_for(driver, "the home page", lambda d: "Grace Hopper" in _text(d, "welcome"))
        assert info["api_url"].endswith(STAGE) and urlsplit(driver.current_url).path == f"{STAGE}/"

        # An API key, its secret shown once; the SDK's token exchange accepts it.
        _by_id(driver, "keys-link").click()
        _wait_for(driver, "the keys page", lambda d: _by_id(d, "create-key"))
        _fill(driver, {"key-name": "sdk"})
        _by_id(driver, "create").click()
        _wait_for(driver, "the new key", lambda d: _text(d, "new-secret"))
        client_id = _text(driver, "new-client-id")
        secret = _text(driver, "new-secret").removeprefix("Secret: ").strip()
        reply = requests.post(f"{info['api_url']}/identity/resources/auth/v2/api-token",
                              json={"clientId": client_id, "secret": secret}, timeout=10)
        assert reply.status_code == 200, reply.text

        # Settings: "Create role for me" with the customer's keys, then the AMI shares.
        driver.find_element("link text", "Settings").click()
        _wait_for(driver, "the settings page", lambda d: _by_id(d, "create-role"))
        assert len(_text(driver, "external-id")) >= 32
        _fill(driver, {"access-key-id": info["new_customer_aws_access_key_id"],
                       "secret-access-key": info["new_customer_aws_secret_access_key"]})
        _by_id(driver, "create-role-submit").click()
        _wait_for(driver, "the linked account",
                  lambda d: _text(d, "account-id") == info["new_customer_account_id"])
        assert "BodoPlatformUser" in _text(driver, "role-arn"), _text(driver, "error")

        deadline = time.monotonic() + READY_TIMEOUT
        while _text(driver, "status") != "ready":
            assert time.monotonic() < deadline, (
                f"AMI shares not ready within {READY_TIMEOUT}s:\n{driver.page_source[:3000]}")
            time.sleep(1)         # the platform's tick runs every second
            driver.refresh()
        statuses = re.findall(r'class="share-status">(\w+)<', driver.page_source)
        assert statuses and set(statuses) == {"SHARED"}, statuses

        # The official SDK, with the key made on the keys page: a workspace, then the catalog.
        sdk = subprocess.run([str(SDK_PYTHON), str(Path(__file__).with_name("sdk_after_signup.py")),
                              info["api_url"], client_id, secret], cwd=ROOT, capture_output=True,
                             text=True, timeout=240)
        assert sdk.returncode == 0, sdk.stderr[-3000:]
        seen = json.loads(sdk.stdout.strip().splitlines()[-1])
        assert seen["status"] == "READY", seen
        assert seen["versions"] == ["2025.6", "2025.5", "2025.4"] and seen["instance_types"] > 0

        # The Clusters page, from the left bar: a cluster with the manual's form (Show
        # Advanced: SSH key, Add your IP), RUNNING, paused and resumed, its DETAILS, removed.
        _by_id(driver, "nav-clusters").click()
        _wait_for(driver, "the Clusters page", lambda d: _by_id(d, "create-cluster"))
        driver.find_element("css selector", "#create-cluster > summary").click()
        _fill(driver, {"cluster-name": "first", "cluster-count": "2"})
        driver.find_element("css selector", "#advanced > summary").click()
        _fill(driver, {"cluster-ssh-key": SSH_KEY})
        _by_id(driver, "add-ip").click()
        _wait_for(driver, "the caller's address added",
                  lambda d: "127.0.0.1" in (_by_id(d, "cluster-ips").get_attribute("value") or ""))
        _by_id(driver, "create-cluster-button").click()
        _await_cluster(driver, "RUNNING")
        # Pause, then resume, from the row's buttons.
        driver.find_element("css selector", "button.pause").click()
        _wait_for(driver, "the pause notice", lambda d: "pause requested" in _text(d, "notice"))
        _await_cluster(driver, "PAUSED")
        driver.find_element("css selector", "button.resume").click()
        _wait_for(driver, "the resume notice", lambda d: "resume requested" in _text(d, "notice"))
        _await_cluster(driver, "RUNNING")
        driver.find_element("css selector", "details.details > summary").click()
        ips = driver.find_element("css selector", ".node-ips").text
        assert len(re.findall(r"\d+\.\d+\.\d+\.\d+", ips)) >= 2, ips
        assert "FINISHED" in driver.find_element("css selector", ".task-state").text

        _notebook_on_the_cluster(driver)
        _by_id(driver, "nav-clusters").click()
        _wait_for(driver, "the Clusters page", lambda d: _by_id(d, "clusters"))
        # A job on it from the Jobs page: its code in a folder of the cluster's /shared (the
        # local folder standing for the organization's EFS), every rank in SHOW LOGS.
        app = next((state_dir / "efs").iterdir()) / "app"
        app.mkdir()
        (app / "main.py").write_text("import os\nos.write(1, f\"rank {os.environ['PMI_RANK']}"
                                     " {os.environ['WHO']}\\n\".encode())\n")
        cluster_page = driver.current_url.split("#")[0]
        _by_id(driver, "nav-jobs").click()
        _wait_for(driver, "the Jobs page", lambda d: _by_id(d, "create-job"))
        driver.find_element("css selector", "#create-job > summary").click()
        _fill(driver, {"job-name": "hello", "job-command": "main.py", "job-path": "/shared/app"})
        driver.find_element("css selector", "#job-advanced > summary").click()
        _fill(driver, {"job-other": "WHO=ada"})
        _by_id(driver, "create-job-button").click()
        deadline = time.monotonic() + READY_TIMEOUT
        while "SUCCEEDED" not in re.findall(r'class="status">(\w+)<', driver.page_source):
            assert time.monotonic() < deadline, f"job not SUCCEEDED:\n{driver.page_source[:4000]}"
            time.sleep(1)
            driver.get(driver.current_url.split("#")[0])
        driver.find_element("css selector", "tr.run-details details > summary").click()
        driver.find_element("css selector", "a.show-logs").click()
        _wait_for(driver, "the logs", lambda d: "rank 0 ada" in _text(d, "stdout"))
        assert sorted(_text(driver, "stdout").split("\n")) == [f"rank {i} ada" for i in range(8)]
        _templates_and_cron_jobs(driver, info["api_url"], client_id, secret)
        driver.get(cluster_page)
        _await_cluster(driver, "RUNNING")
        driver.find_element("css selector", "button.remove").click()
        _wait_for(driver, "the removal notice", lambda d: "removal requested" in _text(d, "notice"))
        driver.get(f"{info['api_url']}/")
        _wait_for(driver, "the onboarding list", lambda d: _by_id(d, "onboarding"))
        assert _by_id(driver, "onboarding-link").get_attribute("class") == "done"
        assert _by_id(driver, "onboarding-cluster").get_attribute("class") == "done"
        assert _by_id(driver, "onboarding-job").get_attribute("class") == "done"
        assert _by_id(driver, "onboarding-notebook").get_attribute("class") == "done"

        # The secret keys never reached the log.
        log_text = server_log.read_text(errors="replace")
        assert info["new_customer_aws_secret_access_key"] not in log_text.replace(
            json.dumps(info, indent=2), "")
        assert PASSWORD not in log_text and secret not in log_text
    except BaseException:
        print(f"---- local.run log ----\n{_tail(server_log)}", file=sys.stderr)
        raise
    finally:
        if driver is not None:
            driver.quit()
        _stop(server)
