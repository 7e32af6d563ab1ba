"""`make run`'s state across restarts: moto's backends (every emulated account and region: the
platform's DynamoDB tables and SQS queues with their messages, EC2, IAM, STS, SSM, S3, EFS,
CloudFront, the local AWS Marketplace on the meteringmarketplace backend ...) and the settings
`make run` printed (local.json: the demo's API keys and people) with the JWT secret that signs
their tokens, under ``<state dir>/state/``:

* ``backends.pickle``: a first line ``CORRAL-STATE <header JSON>`` (format, Python and moto
  versions), then the pickled backends;
* ``settings.json`` (mode 0600): the JWT secret and the local.json contents.

Both are written whole (temp file + rename): on a clean stop and every few seconds while up, so
a crash loses at most the last interval. A state made by another format, Python or moto
version, or one that cannot be read, is refused (``StateError``, whose message says how to
start afresh): it is never half-loaded.

What does not survive: processes. A node's command still running when the state was written
(a job's script) ended with the platform, so it comes back ended: ``Terminated`` (SSM's status for a
command the system ended), and the platform's usual failure path handles it (a job run: FAILED,
"the head node did not run the command to its end"). A
notebook node's Jupyter Server, started in the background, is gone too: it is started again on
its node, on its port (ssm_commands.restart_servers), and the CloudFront edges (one loopback
port per distribution) are opened again on their old ports when free, so an OPEN NOTEBOOK link
keeps working (a port taken meanwhile: the distribution gets a new one)."""
from __future__ import annotations

import copy
import dataclasses
import functools
import importlib
import io
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import moto
from moto.core.base_backend import BackendDict
from moto.core.utils import utcnow

from .moto_ext.ssm_commands import Invocation

log = logging.getLogger("corral.state")

FORMAT = 1
MAGIC = b"CORRAL-STATE "
BACKENDS = "backends.pickle"
SETTINGS = "settings.json"
LOST_STATUS = "Terminated"    # a node's command still running when the state was written
LOST_EXIT_STATUS = 137       # its process's exit status, should anything ask
SAVE_TRIES = 5               # a request changing a backend mid-pickle: try again


class StateError(Exception):
    pass


def header() -> dict:
    return {"format": FORMAT, "python": "%d.%d" % sys.version_info[:2],
            "moto": moto.__version__}


def folder(state_dir: Path) -> Path:
    return Path(state_dir) / "state"


def fresh_hint(state_dir: Path) -> str:
    return (f"start afresh with `CORRAL_FRESH=1 make run` (or delete {folder(state_dir)}): "
            f"every organization, key, cluster and job kept there is then lost")


# ---- pickling ---------------------------------------------------------------------------------

_LOCK = type(threading.Lock())
_RLOCK = type(threading.RLock())


class _Ended:
    """A node's process after a restart: what it was (a subprocess.Popen) with its exit status.
    One that still ran when the state was written was lost with the platform."""

    def __init__(self, pid: int, returncode: int | None) -> None:
        self.pid = pid
        self.returncode = LOST_EXIT_STATUS if returncode is None else returncode

    def poll(self) -> int:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode


def _registry(module: str, name: str) -> BackendDict:
    return getattr(importlib.import_module(module), name)


def _registry_name(bd: BackendDict) -> tuple[str, str]:
    """Where a BackendDict lives: the module of its backend class holds it (moto's layout)."""
    for module_name in (bd.backend.__module__, bd.backend.__module__.rsplit(".", 1)[0] + ".models"):
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
        for name, value in vars(module).items():
            if value is bd:
                return module_name, name
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("moto.") and module is not None:
            for name, value in list(vars(module).items()):
                if value is bd:
                    return module_name, name
    raise StateError(f"moto's {bd.service_name} backends have no module-level name")


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BackendDict):          # the module-level registry, by name
            return _registry, _registry_name(obj)
        if isinstance(obj, _LOCK):
            return threading.Lock, ()
        if isinstance(obj, _RLOCK):
            return threading.RLock, ()
        if isinstance(obj, threading.Condition):
            return threading.Condition, ()
        if isinstance(obj, threading.Event):
            return threading.Event, ()
        if isinstance(obj, Invocation) and obj.ended is None and obj.process is not None \
                and obj.process.poll() is None:
            # Still running: after a restart its process is gone. SSM's word for a command
            # the system ended (the platform's failure path: "did not run to its end").
            lost = dataclasses.replace(obj, ended=LOST_STATUS, end_date=utcnow())
            return lost.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        if isinstance(obj, (subprocess.Popen, _Ended)):
            return _Ended, (obj.pid, obj.poll())
        if isinstance(obj, defaultdict) and (type(obj) is not defaultdict
                                             or _local(obj.default_factory)):
            # moto's `defaultdict(lambda: defaultdict(dict))`: a lambda does not pickle; a
            # copy of what it makes (an empty value) does the same. A subclass (moto's
            # ParameterDict) takes other arguments than defaultdict's: made without them.
            factory = obj.default_factory
            if _local(factory):
                factory = functools.partial(copy.deepcopy, factory())
            return (_defaultdict, (type(obj), factory), getattr(obj, "__dict__", None), None,
                    iter(obj.items()))
        return NotImplemented


def _defaultdict(cls: type, factory: Any) -> defaultdict:
    made = cls.__new__(cls)
    defaultdict.__init__(made, factory)
    return made


def _local(factory: Any) -> bool:
    name = getattr(factory, "__qualname__", "")
    return "<lambda>" in name or "<locals>" in name


def dumps() -> bytes:
    """The backends, pickled (retried when a request changed one meanwhile)."""
    from .moto_ext import dynamodb_atomic
    last: Exception | None = None
    for _ in range(SAVE_TRIES):
        backends = [(bd, dict(bd)) for bd in list(BackendDict._instances) if len(bd)]
        buf = io.BytesIO()
        try:
            with dynamodb_atomic.lock():          # no DynamoDB request half applied
                _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(backends)
        except RuntimeError as e:                 # "dictionary changed size during iteration"
            last = e
            continue
        return buf.getvalue()
    raise StateError(f"the backends kept changing while being written: {last}")


def _write(path: Path, data: bytes, private: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        if private:
            os.chmod(tmp, 0o600)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


def save(state_dir: Path, settings: dict) -> Path:
    """Write the backends and the settings (each atomically). Returns the state's folder."""
    where = folder(state_dir)
    where.mkdir(parents=True, exist_ok=True)
    payload = dumps()
    _write(where / BACKENDS, MAGIC + json.dumps(header()).encode() + b"\n" + payload)
    _write(where / SETTINGS, (json.dumps(settings, indent=2) + "\n").encode(), private=True)
    return where


def exists(state_dir: Path) -> bool:
    return (folder(state_dir) / BACKENDS).exists()


def _refuse(state_dir: Path, why: str) -> StateError:
    return StateError(f"the local state in {folder(state_dir)} cannot be used: {why}; "
                      f"{fresh_hint(state_dir)}")


def read(state_dir: Path) -> tuple[list, dict]:
    """([(BackendDict, accounts)], settings) from the state folder, or StateError."""
    where = folder(state_dir)
    try:
        data = (where / BACKENDS).read_bytes()
        settings = json.loads((where / SETTINGS).read_text())
    except FileNotFoundError as e:
        raise _refuse(state_dir, f"{Path(e.filename).name} is missing") from None
    except (OSError, ValueError) as e:
        raise _refuse(state_dir, f"{SETTINGS} is unreadable ({e})") from None
    first, _, payload = data.partition(b"\n")
    if not first.startswith(MAGIC):
        raise _refuse(state_dir, f"{BACKENDS} is not a Corral state file")
    try:
        found = json.loads(first[len(MAGIC):])
    except ValueError:
        raise _refuse(state_dir, f"{BACKENDS} has a corrupt header") from None
    if found != header():
        raise _refuse(state_dir, f"it was written by another version ({found}; this is "
                                 f"{header()})")
    if not isinstance(settings, dict) or not isinstance(settings.get("jwt_secret"), str) \
            or not isinstance(settings.get("info"), dict):
        raise _refuse(state_dir, f"{SETTINGS} lacks the JWT secret or the settings")
    try:
        backends = pickle.loads(payload)
    except Exception as e:   # truncated, corrupt, or a class that changed shape
        raise _refuse(state_dir, f"{BACKENDS} is corrupt ({type(e).__name__}: {e})") from None
    return backends, settings


def restore(backends: list) -> None:
    """Put read backends in place of moto's (empty, at start) ones, and reopen the edges."""
    for bd, accounts in backends:
        dict.clear(bd)
        dict.update(bd, accounts)
        if bd not in BackendDict._instances:
            BackendDict._instances.append(bd)
    _reopen_edges()
    from .moto_ext import ssm_commands
    restarted = ssm_commands.restart_servers()
    if restarted:
        log.info("Jupyter Server started again on %s", ", ".join(restarted))


def _reopen_edges() -> None:
    from moto.cloudfront.models import cloudfront_backends

    from .moto_ext import cloudfront_edge
    from .moto_ext.cloudfront_distributions import route_for
    for account_id, by_partition in dict(cloudfront_backends).items():
        for backend in dict(by_partition).values():
            for dist_id, dist in backend.distributions.items():
                old = str(getattr(dist, "domain_name", "")).rpartition(":")[2]
                route = route_for(account_id, dist_id)
                try:
                    edge = cloudfront_edge.open_edge(dist_id, route,
                                                     int(old) if old.isdigit() else 0)
                except OSError:   # its old port is taken now: another one
                    edge = cloudfront_edge.open_edge(dist_id, route)
                dist.domain_name = edge.domain
