"""Structured logs: each record carries what it is about (request, caller, aggregate, step,
outcome, duration) as fields; JSON on Lambda, readable lines with make run."""
from __future__ import annotations

import json
import logging

from chalicelib.kernel import logs


def _record(message="hello", level=logging.INFO, **fields):
    logs.configure()
    return logging.getLogger("corral.test").makeRecord(
        "corral.test", level, __file__, 1, message, (), None,
        extra={"fields": fields} if fields else None)


def test_a_record_carries_its_context_and_its_own_fields_as_json():
    with logs.context(request_id="r-1", organization="org-1", ignored=None):
        logs.bind(step="LAUNCH_FLEET")
        record = _record(outcome="LAUNCH_FLEET", duration_ms=12.5)
    out = json.loads(logs.JsonFormatter().format(record))
    assert out["message"] == "hello" and out["level"] == "INFO" and out["logger"] == "corral.test"
    assert (out["request_id"], out["organization"], out["step"]) == ("r-1", "org-1",
                                                                    "LAUNCH_FLEET")
    assert out["outcome"] == "LAUNCH_FLEET" and out["duration_ms"] == 12.5
    assert "ignored" not in out and out["time"].endswith("Z")
    assert logs.current() == {}                      # the context ended with its block


def test_an_exception_is_in_the_record():
    logs.configure()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("corral.test").makeRecord(
            "corral.test", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    out = json.loads(logs.JsonFormatter().format(record))
    assert "ValueError: boom" in out["exception"]


def test_make_run_reads_them_as_lines_with_their_fields():
    with logs.context(kind="cluster", uuid="c-1"):
        line = logs.ReadableFormatter().format(_record("step done", outcome="wait"))
    assert line.endswith("corral.test step done  kind=cluster uuid=c-1 outcome=wait")


def test_on_lambda_every_handler_writes_json(monkeypatch):
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    level = root.level
    try:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "corral-dev-on_work")
        logs.configure()
        assert isinstance(handler.formatter, logs.JsonFormatter)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_request_and_a_step_say_who_what_and_how_long(platform, caplog):
    caplog.set_level(logging.INFO)
    created = platform.create_cluster()
    platform.pump.drain()
    [request] = [logs.fields_of(r) for r in caplog.records if r.name == "corral.http"
                 and logs.fields_of(r).get("path") == "/v1/clusters"]
    assert request["method"] == "POST" and request["status"] == 200
    assert request["organization"] == platform.demo.organization.uuid
    assert request["duration_ms"] >= 0
    steps = [logs.fields_of(r) for r in caplog.records if r.name == "corral.worker"]
    launch = next(f for f in steps if f.get("step") == "LAUNCH_FLEET")
    assert launch["kind"] == "cluster" and launch["uuid"] == created["uuid"]
    assert launch["organization"] == platform.demo.organization.uuid
    assert launch["outcome"] == "LAUNCH_FLEET" and launch["duration_ms"] >= 0
