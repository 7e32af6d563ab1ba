"""HTTPS GETs to Amazon SNS's own hosts: a message's signing certificate (SigningCertURL) and a
subscription's confirmation (SubscribeURL). Callers check the URL first (subscriptions/sns.py:
https, an sns.<region>.amazonaws.com host); this makes the request: TLS verified against the
system's certificate authorities, no redirect followed, a timeout, a bounded answer.

The transport is replaceable (`set_transport`): the tests serve the SNS host themselves,
with no network, and local mode has no SNS at all."""
from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from typing import Callable

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 64 * 1024     # a certificate is 2 KB, a confirmation's answer less

Transport = Callable[[str, float, int], bytes]   # (url, timeout, max bytes) -> body


class FetchFailed(Exception):
    """The host could not be reached or did not answer 200 with a small enough body."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise FetchFailed(f"{req.full_url} answered {code}, a redirect (not followed)")


def _urllib(url: str, timeout: float, max_bytes: int,
            context: ssl.SSLContext | None = None) -> bytes:
    opener = urllib.request.build_opener(
        _NoRedirects(), urllib.request.HTTPSHandler(context=context or
                                                    ssl.create_default_context()))
    try:
        with opener.open(urllib.request.Request(url, method="GET"), timeout=timeout) as reply:
            if reply.status != 200:
                raise FetchFailed(f"{url} answered {reply.status}")
            body = reply.read(max_bytes + 1)
    except FetchFailed:
        raise
    except urllib.error.HTTPError as e:
        raise FetchFailed(f"{url} answered {e.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise FetchFailed(f"{url} could not be fetched: {e}") from None
    if len(body) > max_bytes:
        raise FetchFailed(f"{url} answered more than {max_bytes} bytes")
    return body


_transport: Transport = _urllib


def set_transport(transport: Transport | None) -> None:
    """Install `transport` (None restores HTTPS with urllib)."""
    global _transport
    _transport = transport or _urllib


def get(url: str, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> bytes:
    """The body of a GET of `url`. Raises FetchFailed."""
    return _transport(url, timeout, max_bytes)
