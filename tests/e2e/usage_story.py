"""Usage as a new user sees it with `make run`, the hour closed early through the platform's
clock (`python -m local.clock`, README):

    .venv-sdk/bin/python tests/e2e/usage_story.py .corral/local.json

sets the platform's clock to 10 s past the next round hour H, makes a cluster of one node with
the official SDK, lets it run three minutes of platform time, removes it, and reads its
minutes from GET /v1/usage and from the Settings page (signed in as the demo person). Then it
moves the clock past H's close: the tick sweeps hour H into the ledger and reports it, and the
local AWS Marketplace shows the hour's record (GET /local/marketplace/usage). The last line on
stdout is one JSON object with what it saw."""
from __future__ import annotations

import json
import os
import re
import sys

import requests
from bodosdk import BodoWorkspaceClient
from story_kit import Clock, iso, log, sign_in, until

WAIT = 120      # real seconds, at most, for a status or the report


def token(info: dict) -> dict:
    reply = requests.post(f"{info['api_url']}/identity/resources/auth/v2/api-token", timeout=15,
                          json={"clientId": info["client_id"], "secret": info["secret_key"]})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def main(path: str) -> int:
    info = json.load(open(path))
    api = info["api_url"]
    clock = Clock(os.path.dirname(os.path.abspath(path)))
    hour = (int(clock.now()) // 3600 + 1) * 3600
    clock.set(hour + 10)
    seen: dict = {"hour": iso(hour)}

    ws = BodoWorkspaceClient(client_id=info["client_id"], secret_key=info["secret_key"],
                             api_url=api, auth_url=info["auth_url"])
    cluster = ws.ClusterClient.create(name="three-minutes", instance_type="c5.2xlarge",
                                      workers_quantity=1)
    cluster.wait_for_status(["RUNNING"], timeout=WAIT, tick=1)
    log("1. cluster", cluster.id, "RUNNING")
    clock.advance(180)
    headers = token(info)
    day = iso(hour)[:10]
    usage = requests.get(f"{api}/v1/usage?from={day}&to={day}&groupBy=cluster",
                         headers=headers, timeout=15).json()
    log("2. after three minutes, GET /v1/usage:", json.dumps(usage))
    seen["running"] = usage
    ws.ClusterClient.remove(cluster.id)
    removed = until("removal requested", lambda: requests.get(
        f"{api}/v1/clusters/{cluster.id}", headers=headers, timeout=15).json()["status"]
        in ("TERMINATING", "TERMINATED"), WAIT)
    assert removed
    usage = requests.get(f"{api}/v1/usage?from={day}&to={day}&groupBy=instanceType",
                         headers=headers, timeout=15).json()
    log("3. removed; GET /v1/usage?groupBy=instanceType:", json.dumps(usage))
    seen["removed"] = usage
    page = sign_in(api, info["demo_user"]).get(f"{api}/settings", timeout=15).text
    row = re.search(r"<td>three-minutes</td><td>cluster</td><td>(\d+)</td><td>([\d.]+)</td>", page)
    log("4. the Settings page:", row.group(0) if row else "(no row)")
    seen["page"] = [int(row.group(1)), row.group(2)] if row else None

    clock.set(hour + 3600 + 150)       # hour H closed (and settled): the next tick reports it
    records = until("the hour's record at the local Marketplace", lambda: requests.get(
        f"{api}/local/marketplace/usage", timeout=15).json()["records"], WAIT)
    log("5. GET /local/marketplace/usage:", json.dumps(records))
    seen["marketplace"] = records
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".corral/local.json"))
