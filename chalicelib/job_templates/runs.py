"""A run from a template, as POST /v1/jobs names it (`jobTemplateUUID`) and as a cron job
starts it: the template's config under the body's own `jobConfig` keys (the body wins; the
SDK sends only `{"storeResult": false}` for a plain template run), the body's cluster or else
the template's `clusterConfig`, the body's name or else the template's. Registered with jobs
at wiring time (jobs/templates.py); the result is parsed by jobs as any submission."""
from __future__ import annotations

import uuid as uuidlib

from ..api.http import invalid, not_found
from . import commands


def complete(workspace_uuid: str, body: dict) -> dict:
    raw = body.get("jobTemplateUUID")
    try:
        template_uuid = str(uuidlib.UUID(raw)) if isinstance(raw, str) else None
    except ValueError:
        template_uuid = None
    if template_uuid is None:
        raise invalid("jobTemplateUUID", "must be a UUID")
    template = commands.get(workspace_uuid, template_uuid)
    if template is None:
        raise not_found("job template", template_uuid)
    own = body.get("jobConfig") if isinstance(body.get("jobConfig"), dict) else {}
    merged = {**body, "jobTemplateUUID": template_uuid,
              "jobConfig": {**template.spec.config,
                            **{k: v for k, v in own.items() if v is not None}}}
    if not body.get("clusterUUID") and not body.get("clusterConfig") \
            and template.spec.cluster_config:
        merged["clusterConfig"] = template.spec.cluster_config
    if not body.get("name"):
        merged["name"] = template.spec.name
    return merged
