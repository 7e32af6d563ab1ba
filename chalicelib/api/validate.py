"""Field readers for request bodies: each returns the value or raises a 400 naming the field.
Unknown keys are left alone: the official SDK sends junk (`_deprecated_fields`...)."""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Any

from .http import LONE_SURROGATE, invalid

_MISSING = object()
# Patterns validate whole values: they are used with fullmatch, and end in \Z besides (not $,
# which also matches before a final newline) so that even a .match() takes all of the value.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}\Z")
NAME_MAX = 64
NAME_HINT = ("must be 1-64 letters, digits, spaces, '.', '_' or '-', starting with a letter "
             "or digit")
SSH_KEY = re.compile(r"^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com)"
                     r" [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?\Z")
# An IP address or CIDR block as text: ASCII digits, hex digits, ':', '.' and one '/'. No zone
# id (fe80::1%eth0), no spaces; ipaddress then checks the value itself.
_IP_TEXT = re.compile(r"^[0-9A-Fa-f:.]+(/[0-9A-Fa-f:.]+)?\Z")
# AWS's rule for tags (its tagging guide: [\p{L}\p{Z}\p{N}_.:/=+\-@]): Unicode letters, digits
# and spaces, and _ . : / = + - @. Of the separators only spaces (Zs): no line or paragraph
# separator, which AWS would take but no tag needs.
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
RESERVED_TAG_PREFIXES = ("aws:", "corral:")
RESERVED_TAG_KEYS = ("Name",)


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
    if LONE_SURROGATE.search(value):
        raise invalid(field, "is not valid Unicode text: it holds a lone surrogate")
    if len(value) > max_len:
        raise invalid(field, f"must be at most {max_len} characters")
    if pattern and not pattern.fullmatch(value):
        raise invalid(field, hint or "has an invalid format")
    return value


def is_name(value: Any) -> bool:
    """The one rule for a name (of a cluster, workspace, cloud config or API key): 1-64 ASCII
    letters, digits, spaces, '.', '_' or '-', starting with a letter or digit."""
    return isinstance(value, str) and NAME.fullmatch(value) is not None


def name(body: dict, field: str = "name", required: bool = True, default: str | None = None,
         hint: str = NAME_HINT) -> str | None:
    """A name field, read by the one rule (is_name); `default` when absent and not required."""
    return string(body, field, required=required, default=default, max_len=NAME_MAX,
                  pattern=NAME, hint=hint)


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


def _tag_text(text: str) -> bool:
    return all(ch in _TAG_PUNCTUATION or unicodedata.category(ch)[0] in "LN"
               or unicodedata.category(ch) == "Zs" for ch in text)


def tags(body: dict, field: str, max_tags: int = 20) -> dict[str, str]:
    """Tags as AWS takes them: keys of 1-128 characters, values of 0-256, both of Unicode
    letters, digits, spaces and _ . : / = + - @ (so no lone surrogate, no control character);
    keys starting with aws: or corral:, and Name, are reserved."""
    value = _get(body, field, False)
    if value is _MISSING:
        return {}
    if not isinstance(value, dict):
        raise invalid(field, "must be an object of string keys and values")
    if len(value) > max_tags:
        raise invalid(field, f"at most {max_tags} tags")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str) or not 1 <= len(k) <= TAG_KEY_MAX \
                or len(v) > TAG_VALUE_MAX:
            raise invalid(field, f"keys of 1-{TAG_KEY_MAX} characters, string values of at "
                                 f"most {TAG_VALUE_MAX}")
        if not _tag_text(k) or not _tag_text(v):
            raise invalid(field, f"tag {k!r}: keys and values may hold only letters, digits, "
                                 f"spaces and _ . : / = + - @")
        if k.lower().startswith(RESERVED_TAG_PREFIXES) or k in RESERVED_TAG_KEYS:
            raise invalid(field, f"tag key {k!r} is reserved")
    return dict(value)


def ssh_public_key(body: dict, field: str) -> str | None:
    key = string(body, field, max_len=16 * 1024)
    if key is None or not key.strip():
        return None
    key = key.strip()
    if not SSH_KEY.fullmatch(key):
        raise invalid(field, "is not an OpenSSH public key (ssh-ed25519 AAAA... or ssh-rsa AAAA...)")
    return key


def cidrs(body: dict, field: str, max_items: int = 50) -> tuple[str, ...]:
    """IPv4/IPv6 addresses or CIDR blocks, each a string (not a number: 0 is not 0.0.0.0/32),
    without a zone id; returned normalised (host bits cleared) and without repeats."""
    value = _get(body, field, False)
    if value is _MISSING:
        return ()
    if not isinstance(value, list) or len(value) > max_items:
        raise invalid(field, f"must be a list of at most {max_items} IP addresses or CIDR blocks")
    out = []
    for item in value:
        if not isinstance(item, str) or not _IP_TEXT.fullmatch(item):
            raise invalid(field, f"{_shown(item)} is not an IP address or CIDR block")
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise invalid(field, f"{_shown(item)} is not an IP address or CIDR block") from None
    return tuple(dict.fromkeys(out))


def _shown(item: Any) -> str:
    """A refused item for a message: short, and ASCII (a lone surrogate escaped)."""
    text = ascii(item)
    return text if len(text) <= 80 else text[:77] + "..."
