"""The work queue (SQS): one message names one aggregate at one version, meaning "the step
pending at this version is to be run". A message for a version that has moved on is stale and
dropped; so duplicates are harmless, and a lost one is re-sent by the tick."""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

import boto3

from ..kernel import config

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_DELAY_SECONDS = 900
_client = None


class BadMessage(ValueError):
    pass


@dataclass(frozen=True)
class Work:
    kind: str
    scope: str
    uuid: str
    version: int

    def body(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def parse(body: str) -> Work:
    try:
        d = json.loads(body)
    except (TypeError, ValueError) as e:
        raise BadMessage(f"not JSON: {e}") from None
    if not isinstance(d, dict):
        raise BadMessage("not a JSON object")
    for key in ("kind", "scope", "uuid"):
        if not isinstance(d.get(key), str):
            raise BadMessage(f"field {key!r} missing or not a string")
    for key in ("scope", "uuid"):
        if not UUID.match(d[key]):
            raise BadMessage(f"field {key!r} is not a UUID")
    if type(d.get("version")) is not int or d["version"] < 1:
        raise BadMessage("field 'version' missing or not a positive integer")
    return Work(d["kind"], d["scope"], d["uuid"], d["version"])


def client():
    global _client
    if _client is None:
        _client = boto3.session.Session().client("sqs", region_name=config.get().region)
    return _client


def reset() -> None:
    global _client
    _client = None


def send(work: list[Work], delay_seconds: int = 0) -> None:
    """Send in batches of ten. A failed entry raises: the caller's tick re-drives it anyway."""
    url = config.get().work_queue_url
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    for start in range(0, len(work), 10):
        batch = work[start:start + 10]
        reply = client().send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": w.body(), "DelaySeconds": delay}
            for i, w in enumerate(batch)])
        if reply.get("Failed"):
            raise RuntimeError(f"SQS refused {len(reply['Failed'])} message(s): {reply['Failed'][0]}")
