"""Field readers for request bodies: each returns the value or raises a 400 naming the field.
Unknown keys are left alone: the official SDK sends junk (`_deprecated_fields`...)."""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from .http import invalid

_MISSING = object()
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$")
SSH_KEY = re.compile(r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com)"
                     r" [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$")


def _get(body: dict, field: str, required: bool) -> Any:
    value = body.get(field, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise invalid(field, "is required")
        return _MISSING
    return value


def string(body: dict, field: str, required: bool = False, default: str | None = None,
           max_len: int = 256, pattern: re.Pattern | None = None, hint: str = "") -> str | None:
    value = _get(body, field, required)
    if value is _MISSING:
        return default
    if not isinstance(value, str):
        raise invalid(field, "must be a string")
    if len(value) > max_len:
        raise invalid(field, f"must be at most {max_len} characters")
    if pattern and not pattern.match(value):
        raise invalid(field, hint or "has an invalid format")
    return value


def integer(body: dict, field: str, required: bool = False, default: int = 0,
            low: int = 0, high: int = 2**31) -> int:
    value = _get(body, field, required)
    if value is _MISSING:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise invalid(field, "must be an integer")
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high}")
    return value


def boolean(body: dict, field: str, default: bool = False) -> bool:
    value = _get(body, field, False)
    if value is _MISSING:
        return default
    if not isinstance(value, bool):
        raise invalid(field, "must be true or false")
    return value


def tags(body: dict, field: str, max_tags: int = 20) -> dict[str, str]:
    value = _get(body, field, False)
    if value is _MISSING:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, "must be an object of string keys and values")
    if len(value) > max_tags:
        raise invalid(field, f"at most {max_tags} tags")
    for k, v in value.items():
        if not isinstance(v, str) or not 1 <= len(k) <= 128 or len(v) > 256:
            raise invalid(field, "keys of 1-128 characters, string values of at most 256")
        if k.lower().startswith(("aws:", "corral:")) or k == "Name":
            raise invalid(field, f"tag key {k!r} is reserved")
    return dict(value)


def ssh_public_key(body: dict, field: str) -> str | None:
    key = string(body, field, max_len=16 * 1024)
    if key is None or not key.strip():
        return None
    key = key.strip()
    if not SSH_KEY.match(key):
        raise invalid(field, "is not an OpenSSH public key (ssh-ed25519 AAAA... or ssh-rsa AAAA...)")
    return key


def cidrs(body: dict, field: str, max_items: int = 50) -> tuple[str, ...]:
    value = _get(body, field, False)
    if value is _MISSING:
        return ()
    if not isinstance(value, list) or len(value) > max_items:
        raise invalid(field, f"must be a list of at most {max_items} IP addresses or CIDR blocks")
    out = []
    for item in value:
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except (TypeError, ValueError):
            raise invalid(field, f"{item!r} is not an IP address or CIDR block") from None
    return tuple(dict.fromkeys(out))
