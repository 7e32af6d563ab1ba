"""Job templates on the wire, as the official SDK sends and reads them (BODOSDK.md §3, §4 T):
the request's key is `config` (jobs say `jobConfig`), checked by jobs' own parser, so a
template holds only what a run would take; replies carry the source wrapped as
{"type", "sourceDef"}. Unknown keys are ignored, never refused."""
from __future__ import annotations

import uuid as uuidlib

from ..api import validate as v
from ..api.http import ApiError, invalid, page_params
from ..jobs.machine import JobRun
from ..jobs.shapes import PAUSE_KEY, parse_submit, pause_when_finished, render_summary
from ..kernel.listing import ListQuery
from ..kernel.times import iso
from .machine import JobTemplate, TemplateSpec, TemplateStatus

# What a template keeps of a job's config (jobConfig keys) and of a source's definition.
CONFIG_KEYS = ("type", "sourceLocation", "args", "envVars", "timeout", "retryStrategy",
               "storeResult")
SOURCE_KEYS = ("repoUrl", "reference", "path", "bucketPath", "bucketRegion")
# A job-dedicated cluster's create keys (BODOSDK.md §3 POST /v1/clusters), kept as given.
CLUSTER_KEYS = ("name", "description", "instanceType", "workersQuantity", "autoStop",
                "autoPause", "autoUpgrade", "bodoVersion", "isJobDedicated", "autoAZ",
                "availabilityZone", "awsDeploymentSubnetId", "instanceRoleUUID",
                "useSpotInstance", "customTags", "memoryReportEnabled")
MAX_DESCRIPTION = 1024
# Checking a config with jobs' parser needs a cluster: any well-formed uuid does.
_NO_CLUSTER = "00000000-0000-4000-8000-000000000000"
LIVE = frozenset({TemplateStatus.ACTIVE.value})


def _config_field(field: str | None) -> str:
    """jobs' field names (`jobConfig.args`, `sourceLocation`) as this route's (`config...`)."""
    if not field:
        return "config"
    if field.startswith("jobConfig"):
        return "config" + field[len("jobConfig"):]
    return f"config.{field}"


def _source(raw) -> dict:
    if not isinstance(raw, dict):
        raise invalid("config.source", "is required: an object with type and sourceDef")
    definition = raw.get("sourceDef") if isinstance(raw.get("sourceDef"), dict) else raw
    if definition.get("username") or definition.get("token"):
        raise invalid("config.source.sourceDef.token",
                      "git credentials are not kept in templates: use a public repository, "
                      "S3 or the workspace's /shared")
    kind = raw.get("type")
    return {"type": kind, "sourceDef": {"type": kind, **{k: definition[k] for k in SOURCE_KEYS
                                                          if definition.get(k) is not None}}}


def _config(raw, allow_local_git: bool, name: str) -> dict:
    if not isinstance(raw, dict):
        raise invalid("config", "is required: the job's type, source, sourceLocation, ...")
    config = {k: raw[k] for k in CONFIG_KEYS if raw.get(k) is not None}
    pause = pause_when_finished(raw, "config")
    if pause is not None:
        config[PAUSE_KEY] = pause
    config.setdefault("type", "PYTHON")
    config["source"] = _source(raw.get("source"))
    try:   # what a run of it would be refused for, refused now
        parse_submit({"name": name, "clusterUUID": _NO_CLUSTER, "jobConfig": config}, "",
                     allow_local_git)
    except ApiError as e:
        field = _config_field(e.field)
        raise invalid(field, e.message.split(": ", 1)[-1]) from None
    return config


def _cluster_config(body: dict) -> dict | None:
    raw = body.get("clusterConfig")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid("clusterConfig", "must be an object (a cluster's create keys)")
    kept = {k: raw[k] for k in CLUSTER_KEYS if raw.get(k) is not None}
    for key, value in kept.items():
        if not isinstance(value, (str, int, float, bool)) and key != "customTags":
            raise invalid(f"clusterConfig.{key}", "must be a string, a number or a boolean")
    if "customTags" in kept:
        v.tags(kept, "customTags")
    return kept or None


def _description(body: dict, default: str = "") -> str:
    return v.string(body, "description", default=default, max_len=MAX_DESCRIPTION) or ""


def parse_create(body: dict, allow_local_git: bool = False) -> TemplateSpec:
    """A POST /v1/job-templates body. Raises 400 naming the field."""
    name = v.name(body)
    return TemplateSpec(name=name, description=_description(body),
                        config=_config(body.get("config"), allow_local_git, name),
                        cluster_config=_cluster_config(body))


def parse_update(body: dict, old: TemplateSpec, allow_local_git: bool = False) -> TemplateSpec:
    """A PATCH body: the keys it has replace the template's (the SDK sends them all)."""
    name = v.name(body, required=False, default=old.name)
    config = (_config(body["config"], allow_local_git, name) if body.get("config") is not None
              else old.config)
    cluster = _cluster_config(body) if "clusterConfig" in body else old.cluster_config
    return TemplateSpec(name=name, description=_description(body, old.description),
                        config=config, cluster_config=cluster)


def parse_list(params: dict) -> ListQuery:
    number, size = page_params(params)
    names = frozenset(params.get("name", []))
    uuids = set()
    for raw in params.get("uuid", []):
        try:
            uuids.add(str(uuidlib.UUID(raw)))
        except ValueError:
            raise invalid("uuid", "must be a UUID") from None
    return ListQuery(number=number, size=size,
                     descending=(params.get("order") or [""])[-1].upper() == "DESC",
                     statuses=LIVE, live_statuses=LIVE, uuids=frozenset(uuids),
                     keep=(lambda t: t.spec.name in names) if names else None)


def render_config(config: dict) -> dict:
    """A template's config as replies carry it: every key the SDK's JobConfig reads, the
    source wrapped, a git source with the empty credentials the SDK's model requires."""
    source = dict(config.get("source") or {})
    definition = dict(source.get("sourceDef") or {})
    if source.get("type") == "GIT":
        definition = {"reference": "", **definition, "username": "", "token": ""}
    return {"type": config.get("type", "PYTHON"),
            "source": {"type": source.get("type"), "sourceDef": definition},
            "sourceLocation": config.get("sourceLocation"), "args": config.get("args"),
            "envVars": config.get("envVars") or {}, "timeout": config.get("timeout"),
            "retryStrategy": config.get("retryStrategy"),
            "storeResult": bool(config.get("storeResult", False)),
            PAUSE_KEY: bool(config.get(PAUSE_KEY, False))}


def render(t: JobTemplate, runs: list[JobRun] = ()) -> dict:
    """`runs`: its latest runs (commands.recent_runs), as `jobRuns`."""
    s = t.spec
    return {"uuid": t.uuid, "name": s.name, "description": s.description,
            "config": render_config(s.config), "clusterConfig": s.cluster_config,
            "jobRuns": [render_summary(r) for r in runs], "createdBy": t.created_by, "createdAt": iso(t.created_at),
            "updatedAt": iso(t.updated_at), "workspaceUUID": t.workspace_uuid,
            "status": t.status.value}
