"""Sessions: the platform's own, and the customer's through STS AssumeRole with the
organization's External ID. Assumed credentials and clients are cached until shortly before
they expire (or until the link's owner drops them: `drop`), so a step costs one AssumeRole per
hour per organization at most, not one per call.

Every client made with assumed credentials is watched: when AWS refuses one of its calls as
not allowed (AccessDenied and the like), or AssumeRole itself is refused, the functions given
to `watch` hear of it (linking re-checks the link at once)."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..kernel import clock
from ..kernel.errors import CloudError
from .errors import classify

CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5,
                read_timeout=30)
REFRESH_MARGIN_SECONDS = 300
# What AWS answers when the caller may not do something, or its credentials no longer count.
REFUSED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                           "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException",
                           "ExpiredToken", "ExpiredTokenException"})


@dataclass(frozen=True)
class Link:
    """How the platform reaches one customer account. `owner` names whose link it is (the
    organization), for the watchers; a link being tried before it is saved has none."""

    role_arn: str
    external_id: str
    account_id: str
    owner: str = field(default="", compare=False)


_lock = threading.Lock()
_base: boto3.Session | None = None   # one session: its loaded service models are shared
_credentials: dict[tuple[str, str], tuple[dict, float]] = {}
_clients: dict[tuple, object] = {}
_watchers: dict[str, Callable[[Link, CloudError], None]] = {}


def watch(name: str, watcher: Callable[[Link, CloudError], None]) -> None:
    """Call `watcher(link, error)` whenever AWS refuses a call made through `link` (a code of
    REFUSED_CODES), AssumeRole included. Registering a name again replaces it."""
    _watchers[name] = watcher


def _refused(link: Link, error: CloudError) -> None:
    if error.code in REFUSED_CODES:
        for watcher in list(_watchers.values()):
            watcher(link, error)


def _session() -> boto3.Session:
    global _base
    if _base is None:
        _base = boto3.session.Session()
    return _base


def platform_client(service: str, region: str):
    key = ("platform", service, region)
    with _lock:
        if key not in _clients:
            _clients[key] = _session().client(service, region_name=region, config=CONFIG)
        return _clients[key]


def assume(link: Link, session_name: str = "corral", fresh: bool = False) -> dict:
    """Credentials acting in the customer's account, as client keyword arguments; `fresh`
    asks AWS again (checking the role's trust now) and caches what it answers. Raises
    CloudError (AccessDenied when the role is missing, does not trust the platform, or the
    External ID does not match); a refusal drops what was cached for the link and, unless
    `fresh` (the caller is checking and hears the answer itself), is told to the watchers."""
    key = (link.role_arn, link.external_id)
    with _lock:
        cached = _credentials.get(key)
        if not fresh and cached and cached[1] - REFRESH_MARGIN_SECONDS > clock.now():
            return cached[0]
    sts = platform_client("sts", "us-east-1")
    try:
        creds = sts.assume_role(RoleArn=link.role_arn, ExternalId=link.external_id,
                                RoleSessionName=session_name[:64])["Credentials"]
    except (ClientError, BotoCoreError) as e:
        error = classify(e)
        if not error.transient:
            drop(link)
        if not fresh:
            _refused(link, error)
        raise error from e
    found = {"aws_access_key_id": creds["AccessKeyId"],
             "aws_secret_access_key": creds["SecretAccessKey"],
             "aws_session_token": creds["SessionToken"]}
    with _lock:
        _credentials[key] = (found, creds["Expiration"].timestamp())
        for k in [k for k in _clients if k[0] == key]:
            del _clients[k]
    return found


def customer_client(link: Link, service: str, region: str):
    creds = assume(link)
    key = ((link.role_arn, link.external_id), service, region)
    with _lock:
        if key not in _clients:
            client = _session().client(service, region_name=region, config=CONFIG, **creds)
            client.meta.events.register("after-call", _watching(link))
            _clients[key] = client
        return _clients[key]


def _watching(link: Link):
    """A botocore after-call hook telling the watchers of each refused call (the call then
    raises as usual)."""
    def after_call(parsed=None, model=None, **kwargs):
        code = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        if code in REFUSED_CODES:
            message = parsed["Error"].get("Message", "")
            name = getattr(model, "name", "a call")
            _refused(link, CloudError(code, f"{name} was refused: {message}", transient=False))
    return after_call


def drop(link: Link) -> None:
    """Forget the credentials and clients of one link (it failed its check, or was changed)."""
    key = (link.role_arn, link.external_id)
    with _lock:
        _credentials.pop(key, None)
        for k in [k for k in _clients if k[0] == key]:
            del _clients[k]


def keys_client(service: str, region: str, access_key_id: str, secret_access_key: str):
    """A client from access keys a person gave for this one call ("create role for me"):
    never cached, so the keys live no longer than the caller's use of it."""
    session = boto3.session.Session(aws_access_key_id=access_key_id,
                                    aws_secret_access_key=secret_access_key)
    return session.client(service, region_name=region,
                          config=Config(retries={"mode": "standard", "max_attempts": 2},
                                        connect_timeout=5, read_timeout=20))


def forget() -> None:
    """Drop every cached credential and client (tests, and a role that was re-linked)."""
    global _base
    with _lock:
        _base = None
        _credentials.clear()
        _clients.clear()


def call(fn, *args, **kwargs):
    """Run one boto3 call, turning its errors into CloudError."""
    try:
        return fn(*args, **kwargs)
    except (ClientError, BotoCoreError) as e:
        raise classify(e) from e


__all__ = ["Link", "CloudError", "assume", "customer_client", "keys_client", "platform_client",
           "call", "drop", "forget", "watch", "REFUSED_CODES"]
