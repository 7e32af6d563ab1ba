"""Errors and replies. Every error is a JSON object {"error", "message", "field"?} with the
status the official SDK maps: 400/422 validation, 401 auth, 403 scope, 404, 409 conflict."""
from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any, Callable

from chalice import Response

from ..kernel.errors import DomainError

log = logging.getLogger("corral.api")
MAX_BODY_BYTES = 64 * 1024
# No request of the SDK or the pages nests deeper than a few levels; json's C parser recurses
# once per level and dies of RecursionError (a 500) near a thousand.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.field = status, error, message, field

    def response(self) -> Response:
        body = {"error": self.error, "message": self.message}
        if self.field:
            body["field"] = self.field
        return Response(body=body, status_code=self.status,
                        headers={"Content-Type": "application/json"})


def invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "ValidationError", f"{field}: {message}", field)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "NotFound", f"{what} {ident} not found")


def json_view(fn: Callable[..., Any]) -> Callable[..., Response]:
    """Turn a view's return value into a JSON reply and its errors into their statuses."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except ApiError as e:
            return e.response()
        except DomainError as e:
            return ApiError(409, e.code, e.message, e.field).response()
        if isinstance(result, Response):
            return result
        return Response(body=result, status_code=200, headers={"Content-Type": "application/json"})

    return wrapper


def body(request) -> dict:
    """The request's JSON object body. Read from raw_body: the SDK sends some bodies without a
    JSON content type, and a GET may carry the header with no body at all. Refused with 400:
    what is not JSON, JSON nested deeper than MAX_JSON_DEPTH, and strings holding a lone
    surrogate (an escape such as "\\ud800" that is no Unicode text: it cannot be encoded,
    stored in AWS or shown in a page)."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "PayloadTooLarge", f"body over {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        # As json.loads(bytes) decodes (UTF-8, -16 or -32); the depth is checked on the text.
        text = raw.decode(json.detect_encoding(raw), "surrogatepass") \
            if isinstance(raw, bytes) else raw
        if _json_depth(text) > MAX_JSON_DEPTH:
            raise ApiError(400, "ValidationError",
                           f"body is nested too deeply: at most {MAX_JSON_DEPTH} levels of "
                           f"arrays and objects")
        data = json.loads(text)
    except RecursionError:
        raise ApiError(400, "ValidationError",
                       f"body is nested too deeply: at most {MAX_JSON_DEPTH} levels of arrays "
                       f"and objects") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ApiError(400, "ValidationError", f"body is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "ValidationError", "body must be a JSON object")
    for key, value in data.items():
        if has_lone_surrogate(key):
            raise ApiError(400, "ValidationError",
                           "body: a key is not valid Unicode text (it holds a lone surrogate)")
        if has_lone_surrogate(value):
            raise invalid(key, "is not valid Unicode text: it holds a lone surrogate "
                               "(an unpaired \\ud800-\\udfff escape)")
    return data


def _json_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (strings skipped), counted without
    recursion; stops counting once past MAX_JSON_DEPTH."""
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        else:
            depth -= 1
    return deepest


def has_lone_surrogate(value: Any) -> bool:
    """True if a string in a parsed JSON value (keys included) holds a lone surrogate. Only
    for values body() has bounded: it recurses once per level."""
    if isinstance(value, str):
        return LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v) for v in value)
    return False


def query(request) -> dict[str, list[str]]:
    """Query parameters, every value a list (the SDK repeats keys: status=A&status=B)."""
    params = request.query_params
    if params is None:
        return {}
    return {k: params.getlist(k) for k in params.keys()}


def int_param(params: dict, name: str, default: int, low: int, high: int) -> int:
    values = params.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise invalid(name, "must be an integer") from None
    if not low <= value <= high:
        raise invalid(name, f"must be between {low} and {high}")
    return value


def page_params(params: dict, default_size: int = 20) -> tuple[int, int]:
    """(page number from 1, page size) as the SDK sends them."""
    return (int_param(params, "page", 1, 1, 1_000_000),
            int_param(params, "size", default_size, 1, 1000))


def paged(items: list, total: int, number: int, size: int, order: str | None = None) -> dict:
    """The SDK's list shape for one page already read: {"data", "metadata": {page, size,
    total_pages, total_items}} (`total`: how many there are on every page)."""
    meta = {"page": number, "size": size, "total_pages": (total + size - 1) // size,
            "total_items": total}
    if order:
        meta["order"] = order
    return {"data": items, "metadata": meta}


def page(items: list, params: dict, default_size: int = 20, order: str | None = None) -> dict:
    """The SDK's list shape for a short list read whole (an organization's API keys)."""
    number, size = page_params(params, default_size)
    return paged(items[(number - 1) * size: number * size], len(items), number, size, order)
