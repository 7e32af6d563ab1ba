"""Job runs on the wire, as the official SDK sends and reads them (BODOSDK.md §3, §4, §6):
requests carry `jobConfig` (with junk keys, never refused), replies carry `config` with a
wrapped `source: {"type", "sourceDef"}` and snake_case duplicates of the ids `get()` loses."""
from __future__ import annotations

import re
import shlex
import uuid as uuidlib
from posixpath import normpath

from ..api import validate as v
from ..api.http import invalid, page_params
from ..kernel.listing import ListQuery
from ..kernel.times import iso
from .machine import LIVE_STATUSES, JobRun, RunSpec, Source

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
MAX_ARGS_LENGTH = 8192
MAX_ENV = 100
MAX_RETRIES = 10
# Local mode clones from this machine too: a folder, or a server on loopback.
LOCAL_GIT_URLS = ("file://", "http://127.0.0.1:", "http://localhost:")
MAX_TOKEN = 4096
# s3://bucket[/prefix]: a bucket name as S3 allows it, a prefix without a shell's specials.
S3_PATH = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[A-Za-z0-9!_.*'()/=+-]*)?")


def _uuid(body: dict, key: str) -> str:
    raw = body.get(key)
    try:
        return str(uuidlib.UUID(raw)) if isinstance(raw, str) else _missing(key)
    except ValueError:
        raise invalid(key, "must be a UUID") from None


def _missing(key: str):
    raise invalid(key, "is required")


def _object(body: dict, key: str) -> dict:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(key, "must be an object")
    return value


def _source(config: dict, allow_local_git: bool) -> Source:
    raw = _object(config, "source")
    kind = raw.get("type")
    if kind not in ("GIT", "S3", "WORKSPACE"):
        raise invalid("jobConfig.source.type", "must be GIT, S3 or WORKSPACE")
    # The SDK wraps the definition in sourceDef; a flat object is read the same way.
    definition = raw.get("sourceDef") if isinstance(raw.get("sourceDef"), dict) else raw
    if kind == "GIT":
        url = v.string(definition, "repoUrl", required=True, max_len=2048)
        if url.endswith(".git") or url.endswith(".git/"):
            raise invalid("jobConfig.source.sourceDef.repoUrl",
                          "use the URL at the top of your web browser, not the path for "
                          "cloning: it must not end in .git")
        if not (url.startswith("https://") or (allow_local_git
                                                and url.startswith(LOCAL_GIT_URLS))):
            raise invalid("jobConfig.source.sourceDef.repoUrl", "must be an https:// URL")
        reference = v.string(definition, "reference", default="", max_len=255) or ""
        if reference.startswith("-"):
            raise invalid("jobConfig.source.sourceDef.reference", "must not start with '-'")
        return Source("GIT", url, reference)
    if kind == "WORKSPACE":
        path = v.string(definition, "path", required=True, max_len=1024)
        clean = normpath(path)
        if not (clean == "/shared" or clean.startswith("/shared/")) or ".." in path.split("/"):
            raise invalid("jobConfig.source.sourceDef.path", "must be a folder under /shared")
        return Source("WORKSPACE", clean)
    path = v.string(definition, "bucketPath", required=True, max_len=1024)
    match = S3_PATH.fullmatch(path)
    if not match:
        raise invalid("jobConfig.source.sourceDef.bucketPath",
                      "must be s3://<bucket>/<folder> with a valid bucket name")
    return Source("S3", path.rstrip("/"))


def git_secret(body: dict) -> tuple[str, str] | None:
    """(username, token) of a private repository, or None. The token is a secret: it goes to
    the customer's Parameter Store (commands.submit), never into the run's spec or events."""
    config = _object(body, "jobConfig")
    raw = _object(config, "source")
    definition = raw.get("sourceDef") if isinstance(raw.get("sourceDef"), dict) else raw
    if raw.get("type") != "GIT" or not definition.get("token"):
        return None
    where = "jobConfig.source.sourceDef"
    token = v.string(definition, "token", required=True, max_len=MAX_TOKEN)
    username = v.string(definition, "username", default="", max_len=256) or ""
    for name, value in (("token", token), ("username", username)):
        if any(c in value for c in "\r\n\0"):
            raise invalid(f"{where}.{name}", "must be one line")
    return username, token


def _args(config: dict) -> tuple[str, ...]:
    """The SDK sends arguments as one string: split as a shell would, evaluating nothing."""
    raw = config.get("args")
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        if len(raw) > MAX_ARGS_LENGTH:
            raise invalid("jobConfig.args", f"at most {MAX_ARGS_LENGTH} characters")
        try:
            return tuple(shlex.split(raw))
        except ValueError as e:
            raise invalid("jobConfig.args", f"cannot be split into words: {e}") from None
    if isinstance(raw, list) and all(isinstance(a, str) for a in raw):
        return tuple(raw)
    if isinstance(raw, dict):   # {"--flag": value}: each a pair of words
        return tuple(w for k, val in raw.items() for w in (str(k), str(val)))
    raise invalid("jobConfig.args", "must be a string, a list of strings or an object")


def _env(config: dict) -> dict[str, str]:
    raw = _object(config, "envVars")
    if len(raw) > MAX_ENV:
        raise invalid("jobConfig.envVars", f"at most {MAX_ENV} variables")
    env = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            raise invalid("jobConfig.envVars", f"{name!r} is not a variable name")
        if not isinstance(value, (str, int, float, bool)) or "\0" in str(value):
            raise invalid("jobConfig.envVars", f"{name}: the value must be a string")
        env[name] = str(value)
    return env


def _retries(config: dict) -> dict:
    """The SDK's retryStrategy: numRetries (0 to 10), delayBetweenRetries in minutes (0 to
    1440), retryOnTimeout."""
    raw = _object(config, "retryStrategy")
    field = "jobConfig.retryStrategy"
    retries, delay = raw.get("numRetries", 0) or 0, raw.get("delayBetweenRetries", 1)
    delay = 1 if delay is None else delay
    for name, value, high in (("numRetries", retries, MAX_RETRIES),
                              ("delayBetweenRetries", delay, 1440)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
            raise invalid(f"{field}.{name}", f"a whole number from 0 to {high}")
    on_timeout = raw.get("retryOnTimeout", False)
    if not isinstance(on_timeout, bool) and on_timeout is not None:
        raise invalid(f"{field}.retryOnTimeout", "true or false")
    return {"retries": retries, "retry_delay_seconds": delay * 60,
            "retry_on_timeout": bool(on_timeout)}


PAUSE_KEY = "pauseClusterWhenFinished"
PAUSE_KEYS = (PAUSE_KEY, "pause_cluster_when_finished")   # the SDK's model names it so


def pause_when_finished(config: dict, where: str = "jobConfig") -> bool | None:
    """`pauseClusterWhenFinished` of a job config (the SDK's `pause_cluster_when_finished`
    accepted too): pause the cluster once the run ended and nothing else uses it. None when
    not given."""
    for key in PAUSE_KEYS:
        value = config.get(key)
        if value is not None:
            if not isinstance(value, bool):
                raise invalid(f"{where}.{PAUSE_KEY}", "true or false")
            return value
    return None


def parse_submit(body: dict, submitter: str, allow_local_git: bool = False) -> RunSpec:
    """A POST /v1/jobs body (a template's config already merged in: jobs/templates.py).
    Raises 400 naming the field."""
    template = _uuid(body, "jobTemplateUUID") if body.get("jobTemplateUUID") else ""
    if body.get("clusterConfig") is not None:
        _object(body, "clusterConfig")
        cluster = ""      # made for the run (commands.submit)
    else:
        cluster = _uuid(body, "clusterUUID")
    config = _object(body, "jobConfig")
    kind = config.get("type") or "PYTHON"
    if kind != "PYTHON":
        raise invalid("jobConfig.type", "only PYTHON jobs are run")
    exec_file = v.string(config, "sourceLocation", required=True, max_len=1024)
    if exec_file.startswith("-") or "\0" in exec_file:
        raise invalid("jobConfig.sourceLocation", "must be a file path")
    timeout = config.get("timeout")
    if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool)
                                or not 0 <= timeout <= 7 * 24 * 3600):
        raise invalid("jobConfig.timeout", "seconds, from 0 (none) to 604800")
    name = body.get("name") or exec_file.rsplit("/", 1)[-1]
    if not isinstance(name, str) or not 0 < len(name) <= 128:
        raise invalid("name", "at most 128 characters")
    return RunSpec(name=name, cluster_uuid=cluster, source=_source(config, allow_local_git),
                   exec_file=exec_file, args=_args(config), env=_env(config),
                   timeout_seconds=timeout or 0, submitter=submitter, template_uuid=template,
                   pause_cluster_when_finished=bool(pause_when_finished(config)),
                   **_retries(config))


def parse_list(params: dict) -> ListQuery:
    number, size = page_params(params)
    wanted = [(attr, frozenset(params[key])) for key, attr in (
        ("clusterUUID", "cluster_uuid"), ("jobTemplateUUID", "template_uuid"),
        ("cronJobUUID", "cron_job_uuid")) if params.get(key)]
    return ListQuery(number=number, size=size,
                     descending=(params.get("order") or [""])[-1].upper() == "DESC",
                     statuses=frozenset(params.get("status", [])),
                     uuids=frozenset(params.get("uuid", [])), live_statuses=LIVE_STATUSES,
                     keep=(lambda r: all(getattr(r.spec, attr) in values
                                         for attr, values in wanted)) if wanted else None)


def _source_reply(src: Source) -> dict:
    if src.type == "GIT":
        definition = {"repoUrl": src.location, "reference": src.reference, "username": "",
                      "token": ""}
    elif src.type == "S3":
        definition = {"bucketPath": src.location}
    else:
        definition = {"path": src.location}
    return {"type": src.type, "sourceDef": {"type": src.type, **definition}}


def render_summary(r: JobRun) -> dict:
    """A run as the `jobRuns` of a job template or a cron job (the SDK's JobRun model): no
    `config`, which the SDK's model would refuse with a wrapped source in that place."""
    s = r.spec
    return {"uuid": r.uuid, "name": s.name, "type": "BATCH", "status": r.status.value,
            "reason": r.reason, "submittedAt": iso(r.submitted_at),
            "finishedAt": iso(r.finished_at), "clusterUUID": s.cluster_uuid,
            "jobTemplateUUID": s.template_uuid or None, "cronJobUUID": s.cron_job_uuid or None,
            "submitter": s.submitter, "numRetriesUsed": r.attempt - 1, "tag": []}


def render(r: JobRun) -> dict:
    s = r.spec
    return {
        "uuid": r.uuid, "name": s.name, "type": "BATCH", "status": r.status.value,
        "reason": r.reason, "submittedAt": iso(r.submitted_at), "startedAt": iso(r.started_at),
        "finishedAt": iso(r.finished_at), "lastHealthCheck": iso(r.updated_at),
        "lastKnownActivity": iso(r.updated_at), "numRetriesUsed": r.attempt - 1, "tag": [],
        "attempt": r.attempt,
        "attempts": [{**a, "startedAt": iso(a["startedAt"]), "finishedAt": iso(a["finishedAt"])}
                     for a in r.attempts],
        "clusterUUID": s.cluster_uuid, "cluster_id": s.cluster_uuid,
        "jobTemplateUUID": s.template_uuid or None, "job_template_id": s.template_uuid or None,
        "cronJobUUID": s.cron_job_uuid or None, "submitter": s.submitter,
        "stats": {}, "isDDL": False, "sqlQueryResult": None, "exitCode": r.exit_code,
        "workspaceUUID": r.workspace_uuid, "taskUUID": r.task.uuid if r.task else None,
        "config": {"type": "PYTHON", "source": _source_reply(s.source),
                   "sourceLocation": s.exec_file, "args": shlex.join(s.args),
                   "envVars": dict(s.env), "timeout": s.timeout_seconds or None,
                   "retryStrategy": {"numRetries": s.retries,
                                     "delayBetweenRetries": s.retry_delay_seconds // 60,
                                     "retryOnTimeout": s.retry_on_timeout},
                   PAUSE_KEY: s.pause_cluster_when_finished},
        "clusterPause": r.cluster_pause or None,
    }
