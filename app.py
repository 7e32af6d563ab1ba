"""Corral's Chalice app: the HTTP API (one blueprint per concept under chalicelib/routes) and
the event handlers Lambda runs (handlers/). Shapes follow the official Bodo Platform SDK,
bodosdk 2.3.2; see README.md."""
from __future__ import annotations

import logging

from chalice import Chalice

from chalicelib.routes import cloud_configs, clusters, identity, settings, tasks, workspaces
from chalicelib.routes import api_keys, pages, signup
from chalicelib.store import models
from handlers import tick, worker

app = Chalice(app_name="corral")
app.log.setLevel(logging.INFO)
for module in (identity, workspaces, clusters, tasks, settings, cloud_configs):
    app.register_blueprint(module.bp)
for module in (signup, pages, api_keys):
    app.register_blueprint(module.bp)
app.register_blueprint(worker.blueprint)
app.register_blueprint(tick.blueprint)
models.configure()
