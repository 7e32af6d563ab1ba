"""Structured logs: every record one JSON object on Lambda, readable lines with `make run`.

What a record is about is kept in a context (contextvars) that the entry points set: the HTTP
middleware (request id, method, path, then the organization once the caller is known), the
worker (the aggregate's kind, scope, uuid and version, then the step's outcome and duration),
the tick. A record carries its context's fields and its own (`extra={"fields": {...}}`), so
"which organization, which cluster, which step, how long" is a field to filter on in
CloudWatch Logs Insights, never a phrase to grep.

Values are what the code puts there: never a secret (tests/jobs/test_job_git_credentials.py
formats every record as it would be written and searches it for the token)."""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Iterator

_OUTSIDE: dict = {}     # no entry point has opened a context: nothing to bind to
_context: ContextVar[dict] = ContextVar("corral_log_context", default=_OUTSIDE)
# logging's own attributes of a record: everything else on it was put there by `extra`
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message",
                                                                                "asctime"}


def current() -> dict:
    return dict(_context.get())


@contextlib.contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Records logged inside carry `fields` (None values left out), over the outer context."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the context an entry point opened (learned midway: the caller's
    organization), which ends with it. Outside any (a function called on its own) it does
    nothing: a field set for good would label every later record of the process."""
    if _context.get() is _OUTSIDE:
        return
    _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


def lambda_request_id(event: Any) -> str | None:
    """The Lambda invocation's request id, from a Chalice event's context (None locally)."""
    return getattr(getattr(event, "context", None), "aws_request_id", None)


def fields_of(record: logging.LogRecord) -> dict:
    """The record's context and own fields."""
    own = getattr(record, "fields", None) or {}
    extra = {k: v for k, v in record.__dict__.items()
             if k not in _STANDARD and k not in ("fields", "context")}
    return {**getattr(record, "context", {}), **extra, **own}


_factory = logging.getLogRecordFactory()


def _record(*args, **kwargs) -> logging.LogRecord:
    """Every record is stamped with the context it is logged in, whatever handler formats it
    later (and in whatever context)."""
    record = _factory(*args, **kwargs)
    record.context = current()
    return record


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(
                   timespec="milliseconds").replace("+00:00", "Z"),
               "level": record.levelname, "logger": record.name,
               "message": record.getMessage(),
               **fields_of(record)}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class ReadableFormatter(logging.Formatter):
    """`make run`: time, level, logger, message, then the fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = fields_of(record)
        return line + ("  " + " ".join(f"{k}={v}" for k, v in fields.items()) if fields else "")


def configure(readable: bool | None = None) -> None:
    """Stamp every record of the process with its context, and format them: JSON on Lambda
    (readable=None and AWS_LAMBDA_FUNCTION_NAME set), readable lines when asked; elsewhere (the
    tests) the handlers keep their formats. Idempotent."""
    if logging.getLogRecordFactory() is not _record:
        logging.setLogRecordFactory(_record)
    on_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    if readable is None and not on_lambda:
        return
    root = logging.getLogger()
    formatter = ReadableFormatter() if readable else JsonFormatter()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(logging.INFO)
