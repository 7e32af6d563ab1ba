"""Fault injection through botocore's event hooks, on the platform's own AWS clients."""
from __future__ import annotations

from botocore.awsrequest import AWSResponse

from chalicelib.cloud import sessions


class Crash(BaseException):
    """The worker's process dying mid-step (killed, out of memory, timed out): no handler in
    the platform sees it, unlike an exception the code raises."""


def _register(event: str, handler) -> None:
    base = sessions._session()
    base.events.register(event, handler)
    with sessions._lock:
        sessions._clients.clear()  # clients copy the session's hooks when they are made


def fail(service: str, operation: str, code: str, message: str = "injected", times: int = 1,
         status: int = 400) -> dict:
    """Make the next `times` calls of service.operation answer with AWS error `code`."""
    state = {"left": times, "calls": 0}

    def handler(**kwargs):
        state["calls"] += 1
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        http = AWSResponse("https://injected", status, {}, None)
        return http, {"Error": {"Code": code, "Message": message},
                      "ResponseMetadata": {"HTTPStatusCode": status}}

    _register(f"before-call.{service}.{operation}", handler)
    return state


def after(service: str, operation: str, action) -> None:
    """Run `action()` right after each service.operation call returns (e.g. to crash)."""
    _register(f"after-call.{service}.{operation}", lambda **kwargs: action())


def empty_reply(service: str, operation: str, reply: dict, times: int = 1) -> dict:
    """Make the next `times` calls of service.operation answer `reply` (AWS not seeing yet
    what was just made: eventual consistency)."""
    state = {"left": times, "calls": 0}

    def handler(**kwargs):
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        state["calls"] += 1
        return AWSResponse("https://injected", 200, {}, None), {
            **reply, "ResponseMetadata": {"HTTPStatusCode": 200}}

    _register(f"before-call.{service}.{operation}", handler)
    return state
