"""Corral's Chalice app: the HTTP API (one blueprint per concept, each in its own folder under
chalicelib/) and the event handlers Lambda runs (handlers/). Shapes follow the official Bodo
Platform SDK, bodosdk 2.3.2; see README.md."""
from __future__ import annotations

import logging

from chalice import Chalice

from chalicelib import bootstrap
from chalicelib.api_keys import routes as api_key_routes
from chalicelib.clusters import routes as cluster_routes
from chalicelib.identity import pages as identity_pages
from chalicelib.identity import routes as identity_routes
from chalicelib.linking import pages as linking_pages
from chalicelib.linking import routes as cloud_config_routes
from chalicelib.linking import settings_routes
from chalicelib.tasks import routes as task_routes
from chalicelib.workspaces import routes as workspace_routes
from handlers import tick, worker

app = Chalice(app_name="corral")
app.log.setLevel(logging.INFO)
for module in (identity_routes, workspace_routes, cluster_routes, task_routes, settings_routes,
               cloud_config_routes, api_key_routes, identity_pages, linking_pages):
    app.register_blueprint(module.bp)
app.register_blueprint(worker.blueprint)
app.register_blueprint(tick.blueprint)
bootstrap.wire()
