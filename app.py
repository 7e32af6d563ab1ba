"""Corral's Chalice app: the HTTP API (one blueprint per concept, each in its own folder under
chalicelib/) and the event handlers Lambda runs (handlers/). Shapes follow the official Bodo
Platform SDK, bodosdk 2.3.2; see README.md."""
from __future__ import annotations

import logging
import time

from chalice import Chalice

from chalicelib import bootstrap
from chalicelib.kernel import logs
from chalicelib.api_keys import routes as api_key_routes
from chalicelib.clusters import pages as cluster_pages
from chalicelib.clusters import routes as cluster_routes
from chalicelib.cron_jobs import pages as cron_job_pages
from chalicelib.cron_jobs import routes as cron_job_routes
from chalicelib.identity import pages as identity_pages
from chalicelib.identity import routes as identity_routes
from chalicelib.jobs import pages as job_pages
from chalicelib.job_templates import pages as job_template_pages
from chalicelib.job_templates import routes as job_template_routes
from chalicelib.jobs import routes as job_routes
from chalicelib.linking import pages as linking_pages
from chalicelib.linking import routes as cloud_config_routes
from chalicelib.linking import settings_routes
from chalicelib.notebooks import pages as notebook_pages
from chalicelib.notebooks import routes as notebook_routes
from chalicelib.org_network import pages as org_network_pages
from chalicelib.org_network import routes as org_network_routes
from chalicelib.spend_caps import pages as spend_cap_pages
from chalicelib.spend_caps import routes as spend_cap_routes
from chalicelib.subscriptions import routes as subscription_routes
from chalicelib.tasks import routes as task_routes
from chalicelib.usage import routes as usage_routes
from chalicelib.workspaces import pages as workspace_pages
from chalicelib.workspaces import routes as workspace_routes
from handlers import marketplace, tick, worker

logs.configure()   # JSON records on Lambda, each with its request's or step's fields
app = Chalice(app_name="corral")
app.log.setLevel(logging.INFO)
request_log = logging.getLogger("corral.http")


@app.middleware("http")
def log_requests(event, get_response):
    """Every request's records carry its id, method and path (and, once known, who calls:
    identity.caller); it ends with one record of its status and duration."""
    context = event.context or {}
    started = time.perf_counter()
    with logs.context(request_id=context.get("requestId"), method=event.method,
                      path=event.path):
        response = get_response(event)
        request_log.info("%s %s %s", event.method, event.path, response.status_code,
                         extra={"fields": {"status": response.status_code, "duration_ms":
                                           round((time.perf_counter() - started) * 1000, 1)}})
        return response
for module in (identity_routes, workspace_routes, cluster_routes, task_routes, settings_routes,
               cloud_config_routes, api_key_routes, identity_pages, linking_pages, cluster_pages,
               workspace_pages, org_network_routes, org_network_pages, job_routes,
               job_pages, notebook_routes, notebook_pages, job_template_routes,
               job_template_pages, cron_job_routes, cron_job_pages, usage_routes,
               subscription_routes, spend_cap_routes, spend_cap_pages):
    app.register_blueprint(module.bp)
app.register_blueprint(worker.blueprint)
app.register_blueprint(tick.blueprint)
app.register_blueprint(marketplace.blueprint)
bootstrap.wire()


# ---- Unknown routes -----------------------------------------------------------------------
# Chalice's local gateway (make run, chalice.test.Client) answers a path it has no route for
# with API Gateway's 403 "Missing Authentication Token", and echoes the caller's Authorization
# header (bearer token and all) in it. Its route matcher has no greedy {proxy+}: it matches a
# path only to a route of as many segments. So one catch-all per depth, registered last; the
# matcher tries routes in sorted order and "/{" sorts after every real route's literal
# segment, so a real route of the same depth always wins (tests/api/test_bad_input.py checks
# it). Like every private route, it answers 401 to a caller without valid credentials; with
# them, a JSON 404 that repeats nothing of the request. In the deployed stage API Gateway
# answers a path it does not know itself: .chalice/merge-template.json turns that answer
# (MISSING_AUTHENTICATION_TOKEN) into the same JSON 404.
from chalicelib.api.http import ApiError, json_view  # noqa: E402
from chalicelib.identity.caller import caller  # noqa: E402

UNKNOWN_ROUTE_MESSAGE = "No such route: check the method and the path."
UNKNOWN_ROUTE_DEPTH = 12
UNKNOWN_ROUTE_METHODS = ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"]


@json_view
def unknown_route(**_segments):
    caller(app.current_request)
    raise ApiError(404, "NotFound", UNKNOWN_ROUTE_MESSAGE)


for _depth in range(1, UNKNOWN_ROUTE_DEPTH + 1):
    app.route("".join(f"/{{segment{i}}}" for i in range(1, _depth + 1)),
              methods=UNKNOWN_ROUTE_METHODS)(unknown_route)
