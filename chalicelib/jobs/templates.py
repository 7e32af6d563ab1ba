"""Runs from a job template: POST /v1/jobs naming `jobTemplateUUID`. The job templates concept
sits above jobs (it checks a template's config with jobs' own parser), so it registers at
wiring time (chalicelib/bootstrap.py) how such a body is completed from the template; jobs
never imports it. Without a registered template reader a template run is refused."""
from __future__ import annotations

from typing import Callable

from ..api.http import invalid

# (workspace uuid, body naming a template) -> the body completed from the template
Completer = Callable[[str, dict], dict]

_complete: Completer | None = None


def register(complete: Completer) -> None:
    global _complete
    _complete = complete


def complete(workspace_uuid: str, body: dict) -> dict:
    """The body as jobs parse it: unchanged when it names no template."""
    if not body.get("jobTemplateUUID"):
        return body
    if _complete is None:
        raise invalid("jobTemplateUUID", "job templates are not available")
    return _complete(workspace_uuid, body)
