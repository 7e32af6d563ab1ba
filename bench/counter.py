"""Counting AWS API calls made in this process.

One hook on `botocore.client.BaseClient._make_api_call` sees every call of every boto3 client
and of PynamoDB (which calls the same method on its own botocore client). Each call is charged
to the innermost active *label* (a step, a route, the tick...); a label can be marked
`excluded` for the harness's own setup and the benchmark's own reads, which are kept (so they
can be shown) but not counted as the platform's cost.
"""
from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

import botocore.client

# botocore service name -> how the tables name it
SERVICES = {"ec2": "EC2", "ssm": "SSM", "sts": "STS", "sqs": "SQS", "dynamodb": "DynamoDB"}


def service_name(service: str) -> str:
    return SERVICES.get(service, service)


@dataclass
class Label:
    name: str
    excluded: bool = False


@dataclass
class Call:
    service: str        # "EC2", "DynamoDB", ...
    operation: str      # "DescribeInstances", ...
    label: Label        # resolved when read: a worker's label is named after its step later
    seconds: float
    count: int | None = None          # Query/Scan/GetItem/BatchGetItem: items returned
    scanned: int | None = None        # the same: items read
    error: str | None = None          # the error code, for a call that failed
    detail: str = ""                  # DynamoDB: which kind of row ("cluster row", ...)

    @property
    def key(self) -> tuple[str, str]:
        """(service, operation), the operation qualified by `detail` when there is one."""
        return self.service, f"{self.operation} [{self.detail}]" if self.detail else self.operation


# The state table's rows by sort key (see chalicelib/store/aggregates.py, chalicelib/identity/)
_ROWS = (("org", "organization"), ("workspace#", "workspace"), ("client", "API key"),
         ("imageshare#", "image share row"),
         ("cluster#", "cluster row"), ("task#", "task row"))


def dynamodb_detail(operation: str, params: dict) -> str:
    """What a single-item DynamoDB call touched: the kind of row, and for an UpdateItem what
    it was: a claim (which reads the row too), a release, or the tick moving a re-driven
    step's due_at on."""
    sk = (params.get("Key") or {}).get("sk", {}).get("S")
    if sk is None:
        return ""
    kind = next((name for prefix, name in _ROWS if sk.startswith(prefix)), "other row")
    if operation == "UpdateItem":
        if " ADD " in f' {params.get("UpdateExpression", "")}':
            kind += ": claim"
        elif "<=" in params.get("ConditionExpression", ""):
            kind += ": re-drive"
        else:
            kind += ": release"
    return kind


@dataclass
class Recorder:
    calls: list[Call] = field(default_factory=list)
    _stack: list[Label] = field(default_factory=list)

    @contextlib.contextmanager
    def label(self, name: str, excluded: bool = False) -> Iterator[Label]:
        lab = Label(name, excluded)
        self._stack.append(lab)
        try:
            yield lab
        finally:
            self._stack.pop()

    def excluded(self, name: str = "harness"):
        return self.label(name, excluded=True)

    def current(self) -> Label | None:
        return self._stack[-1] if self._stack else None

    def counted(self) -> list[Call]:
        return [c for c in self.calls if not c.label.excluded]

    def clear(self) -> None:
        self.calls.clear()

    def by_operation(self, calls: list[Call] | None = None) -> Counter:
        return Counter(c.key for c in (self.counted() if calls is None else calls))


_active: Recorder | None = None
_original = botocore.client.BaseClient._make_api_call


def _hook(self, operation_name, api_params):
    rec = _active
    if rec is None:
        return _original(self, operation_name, api_params)
    label = rec.current() or Label("unlabelled")
    service = service_name(self.meta.service_model.service_name)
    call = Call(service, operation_name, label, 0.0)
    if service == "DynamoDB":
        call.detail = dynamodb_detail(operation_name, api_params)
    started = time.perf_counter()
    try:
        reply = _original(self, operation_name, api_params)
    except Exception as e:  # a call that fails (NotFound, a condition) was made all the same
        call.error = getattr(e, "response", {}).get("Error", {}).get("Code", type(e).__name__)
        raise
    finally:
        call.seconds = time.perf_counter() - started
        rec.calls.append(call)
    if isinstance(reply, dict):
        if "ScannedCount" in reply:
            call.count, call.scanned = reply.get("Count"), reply.get("ScannedCount")
        elif operation_name == "GetItem":
            call.count = call.scanned = int("Item" in reply)
        elif operation_name == "BatchGetItem":
            call.count = call.scanned = sum(len(v) for v in reply.get("Responses", {}).values())
    return reply


@contextlib.contextmanager
def counting() -> Iterator[Recorder]:
    """Record every AWS API call made while the block runs (calls outside any label are
    charged to "unlabelled"). Not re-entrant."""
    global _active
    if _active is not None:
        raise RuntimeError("already counting")
    rec = Recorder()
    _active = rec
    botocore.client.BaseClient._make_api_call = _hook
    try:
        yield rec
    finally:
        botocore.client.BaseClient._make_api_call = _original
        _active = None
