"""SSM Run Command for ``AWS-RunShellScript``, really run on this machine.

moto 5.2.5 answers SendCommand with an instant "Success" and no output. Here every target
instance is a local *node*: a folder under the state directory, and each invocation one
``bash`` subprocess started at SendCommand, running asynchronously, in the node's working
directory ``<state>/nodes/<instance id>/work``.

**/shared: the command text is rewritten** (no mapping of the shell's file system). Before a
node runs a script, the emulator replaces, in the script's text:

* the path ``/shared`` (as a path: ``/shared``, ``/shared/...``) by the local folder of the
  EFS file system the node mounted: ``<state>/efs/<file system id>``. A node has mounted
  the file system its user data mounts at ``/shared`` (``mount -t efs ... fs-xxx:/ /shared``)
  if that file system exists in the account and region; otherwise ``/shared`` becomes a
  folder that does not exist (``<state>/nodes/<id>/no-shared``), as on a node whose mount
  failed. Nodes of one file system therefore share one folder, as on AWS.
* each emulated instance's private IP address (of the account and region) by
  ``localhost``: every node is this machine, so the hostfile a script writes from the
  nodes' addresses reads ``localhost:<cores>`` and ``mpiexec`` reaches them.

Each node's ``PATH`` starts with the node's own ``bin`` (emulated tools: ``aws`` answers
``ssm get-parameter`` and ``s3 sync`` for what the script reads (node_cli); ``mountpoint``
answers for the mounted ``/shared`` folder; ``fi_info`` exists only on an instance whose
primary network interface is of type ``efa`` and reports the ``efa`` provider), then the
Python environment's ``bin`` (``mpiexec`` from the ``mpich`` wheel).

As on AWS, a node takes commands only when its SSM agent is registered: the instance is
running, its boot is over (``boot_time``) and it has an instance profile whose role has
``AmazonSSMManagedInstanceCore`` (``ssm_instance_information.managed``); otherwise
SendCommand answers ``InvalidInstanceId``.

Calls: SendCommand (``InstanceIds`` up to 50, ``Parameters.commands``, optional
``executionTimeout`` seconds, default 3600; with ``OutputS3BucketName`` and
``OutputS3KeyPrefix``, each instance's whole stdout and stderr are written to that bucket of
the account when its process ends, at AWS's keys), ListCommands, ListCommandInvocations
(``CommandId``/``InstanceId``, ``Details`` with the plugin's output cut at 2,500
characters), GetCommandInvocation (``StandardOutputContent``/``StandardErrorContent`` cut
at 24,000 characters; ``InvocationDoesNotExist`` for an instance the command did not
target) and CancelCommand. Statuses: ``InProgress`` while the process runs, then
``Success`` (exit 0), ``Failed`` (``ResponseCode`` = exit status), ``TimedOut`` (killed
after ``executionTimeout``) or ``Cancelled``.

The state directory is ``configure(state_dir=...)``, else ``$CORRAL_LOCAL_STATE``, else
``.corral/`` in the working directory. ``configure(read_grace=seconds)`` makes a read of an
invocation wait up to that long for a running process to end (the test harness sets it so
that a fake-clock test sees a quick script finished without sleeping; default 0, AWS's way).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.core.responses import ActionResult
from moto.core.types import Base64EncodedString
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ssm.exceptions import SSMException, ValidationException
from moto.ssm.models import ssm_backends
from moto.ssm.responses import SimpleSystemManagerResponse

from . import node_cli
from ._patching import add_method
from .ssm_instance_information import online

DOCUMENT = "AWS-RunShellScript"
PLUGIN = "aws:runShellScript"
MAX_TARGETS = 50
OUTPUT_LIMIT = 24000
LIST_OUTPUT_LIMIT = 2500
DEFAULT_EXECUTION_TIMEOUT = 3600
STATE_ENV = "CORRAL_LOCAL_STATE"
_MOUNT = re.compile(r"mount\s+-t\s+efs\b[^\n]*?\b(fs-[0-9a-f]+)(?::/?)?\s+/shared\b")
_SHARED = re.compile(r"(?<![\w./-])/shared(?=/|\b|$)")
_SERVER_PORT = re.compile(r"(--ServerApp\.port)=\d+")

_settings: dict[str, Any] = {"state_dir": None, "read_grace": 0.0}
_lock = threading.Lock()


def configure(state_dir: str | Path | None = None, read_grace: float = 0.0) -> None:
    """Where nodes and shared folders live, and how long a read waits for a process."""
    _settings["state_dir"] = Path(state_dir) if state_dir else None
    _settings["read_grace"] = float(read_grace)


def state_dir() -> Path:
    configured = _settings["state_dir"] or os.environ.get(STATE_ENV) or ".corral"
    return Path(configured).resolve()


def shared_folder(file_system_id: str) -> Path:
    """The local folder standing for an EFS file system (what its nodes see as /shared)."""
    return state_dir() / "efs" / file_system_id


class InvalidInstanceId(SSMException):
    def __init__(self, ids: list[str], account_id: str) -> None:
        super().__init__("InvalidInstanceId",
                         f"Instances [[{', '.join(ids)}]] not in a valid state for account "
                         f"{account_id}")


# ---- nodes ---------------------------------------------------------------------------------

def _user_data(instance: Any) -> str:
    raw = instance.user_data
    if isinstance(raw, Base64EncodedString):
        return raw.decode()
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    if isinstance(raw, bytes):
        raw = raw.decode()
    if not raw:
        return ""
    try:
        return base64.b64decode(raw).decode()
    except ValueError:
        return str(raw)


def mounted_file_system(instance: Any, account_id: str, region: str) -> str | None:
    """The EFS file system the node's user data mounts at /shared, if it exists."""
    from moto.efs.models import efs_backends
    match = _MOUNT.search(_user_data(instance))
    if not match:
        return None
    fs_id = match.group(1)
    return fs_id if fs_id in efs_backends[account_id][region].file_systems_by_id else None


@dataclass
class Node:
    instance_id: str
    root: Path
    shared: Path
    mounted: bool
    efa: bool

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def work(self) -> Path:
        return self.root / "work"


def _node(instance: Any, account_id: str, region: str) -> Node:
    root = state_dir() / "nodes" / instance.id
    fs_id = mounted_file_system(instance, account_id, region)
    shared = shared_folder(fs_id) if fs_id else root / "no-shared"
    primary = instance.nics.get(0)
    node = Node(instance.id, root, shared, fs_id is not None,
                getattr(primary, "interface_type", "interface") == "efa")
    _prepare(node)
    return node


def _tool(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def _prepare(node: Node) -> None:
    node.work.mkdir(parents=True, exist_ok=True)
    node.bin.mkdir(parents=True, exist_ok=True)
    if node.mounted:
        node.shared.mkdir(parents=True, exist_ok=True)
    mounted = str(node.shared) if node.mounted else ""
    _tool(node.bin / "mountpoint",
          '# emulated: the node\'s EFS mount at /shared\n'
          'for a in "$@"; do last="$a"; done\n'
          f'[ -n "{mounted}" ] && [ "$last" = "{mounted}" ] && exit 0\n'
          '[ "$1" = "-q" ] || echo "$last is not a mountpoint"\nexit 32\n')
    fi_info = node.bin / "fi_info"
    if node.efa:
        _tool(fi_info, "# emulated: libfabric on an EFA interface\n"
                       "echo 'provider: efa'\necho '    fabric: efa'\n"
                       "echo '    domain: rdmap0s6-rdm'\necho '    version: 120.10'\n"
                       "echo '    type: FI_EP_RDM'\necho '    protocol: FI_PROTO_EFA'\n")
    elif fi_info.exists():
        fi_info.unlink()


def _private_ips(account_id: str, region: str) -> list[str]:
    backend = ec2_backends[account_id][region]
    return sorted({i.private_ip for i in backend.all_instances() if i.private_ip},
                  key=len, reverse=True)


def rewrite(script: str, node: Node, private_ips: list[str]) -> str:
    """The script as this machine runs it: /shared and the nodes' addresses made local, and
    a Jupyter server's port left to the OS (every node is this machine: a fixed port would be
    every node's at once)."""
    script = _SHARED.sub(lambda _: str(node.shared), script)
    for ip in private_ips:
        script = re.sub(rf"(?<![\d.]){re.escape(ip)}(?![\d])", "localhost", script)
    return _SERVER_PORT.sub(r"\1=0", script)


# ---- invocations ---------------------------------------------------------------------------

@dataclass
class Invocation:
    instance_id: str
    process: subprocess.Popen | None
    out: Path
    err: Path
    timeout: float
    started: float = field(default_factory=time.time)
    start_date: Any = field(default_factory=utcnow)
    end_date: Any = None
    ended: str | None = None   # Cancelled / TimedOut when the emulator ended it
    # (account, bucket, key prefix, command id): where SSM writes the whole output at the end
    output: tuple[str, str, str, str] | None = None
    node_root: Path | None = None   # its node's folder (what it copied to S3 waits there)
    account: str = ""

    def flush(self) -> None:
        if self.node_root is not None and self.account:
            node_cli.flush(self.node_root, self.account)

    def _finished(self, why: str | None = None) -> None:
        """Once: the end time, and the output written to S3 when the command asked for it."""
        if why:
            self.ended = why
        if self.end_date is not None:
            return
        self.end_date = utcnow()
        self.flush()
        if self.output:
            _publish(self)

    def status(self, grace: float = 0.0) -> str:
        if self.ended:
            return self.ended
        assert self.process is not None
        if self.process.poll() is None and grace > 0:
            try:
                self.process.wait(timeout=min(grace, max(0.0, self._left())))
            except subprocess.TimeoutExpired:
                pass
        if self.process.poll() is None:
            if self._left() <= 0:
                self.stop("TimedOut")
                return self.ended  # type: ignore[return-value]
            return "InProgress"
        self._finished()
        return "Success" if self.process.returncode == 0 else "Failed"

    def _left(self) -> float:
        return self.timeout - (time.time() - self.started)

    def stop(self, why: str) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self._finished(why)

    def response_code(self) -> int:
        status = self.status()
        if status in ("Success", "Failed"):
            return int(self.process.returncode)  # type: ignore[union-attr]
        return -1

    @staticmethod
    def _read(path: Path, limit: int) -> str:
        return path.read_text(errors="replace")[:limit] if path.exists() else ""

    def stdout(self, limit: int = OUTPUT_LIMIT) -> str:
        return self._read(self.out, limit)

    def stderr(self, limit: int = OUTPUT_LIMIT) -> str:
        return self._read(self.err, limit)


@dataclass
class RunCommand:
    command_id: str
    comment: str
    parameters: dict[str, list[str]]
    timeout_seconds: int
    requested: Any
    invocations: dict[str, Invocation]

    def status(self) -> str:
        statuses = [i.status() for i in self.invocations.values()]
        if any(s in ("Pending", "InProgress") for s in statuses):
            return "InProgress"
        for final in ("Success", "Cancelled", "TimedOut"):
            if all(s == final for s in statuses):
                return final
        return "Failed"

    def summary(self) -> dict[str, Any]:
        statuses = [i.status() for i in self.invocations.values()]
        done = [s for s in statuses if s not in ("Pending", "InProgress")]
        return {
            "CommandId": self.command_id, "DocumentName": DOCUMENT, "DocumentVersion": "$DEFAULT",
            "Comment": self.comment, "Parameters": self.parameters,
            "InstanceIds": list(self.invocations), "Targets": [],
            "RequestedDateTime": self.requested, "Status": self.status(),
            "StatusDetails": self.status(), "TimeoutSeconds": self.timeout_seconds,
            "MaxConcurrency": "50", "MaxErrors": "0", "TargetCount": len(statuses),
            "CompletedCount": len(done), "ErrorCount": sum(s != "Success" for s in done),
            "DeliveryTimedOutCount": 0,
        }


def _publish(inv: Invocation) -> None:
    """SSM's S3 output: `<prefix>/<command id>/<instance id>/awsrunShellScript/
    0.awsrunShellScript/stdout` (and stderr), whole, in the account's bucket. A bucket that
    is missing or refuses leaves the command's status as it is (as on AWS)."""
    from moto.s3.models import s3_backends
    account, bucket, prefix, command_id = inv.output  # type: ignore[misc]
    base = "/".join(p for p in (prefix.strip("/"), command_id, inv.instance_id,
                                "awsrunShellScript", "0.awsrunShellScript") if p)
    backend = s3_backends[account]["aws"]
    for name, path in (("stdout", inv.out), ("stderr", inv.err)):
        try:
            backend.put_object(bucket, f"{base}/{name}",
                               path.read_bytes() if path.exists() else b"")
        except Exception:  # noqa: BLE001 - a missing bucket: no output, as on AWS
            return


def _commands(backend: Any) -> dict[str, RunCommand]:
    return backend.__dict__.setdefault("_corral_run_commands", {})


def _unblock_signals() -> None:
    """A node's process starts with no signal blocked, as on a real node: `make run`'s threads
    block SIGINT and SIGTERM (so that its main thread gets them), and a child would inherit
    that mask, so a script's `kill` of its own background job would do nothing."""
    signal.pthread_sigmask(signal.SIG_SETMASK, ())


def _start(node: Node, command_id: str, script: str, timeout: float,
           output: tuple[str, str, str, str] | None = None, account: str = "") -> Invocation:
    folder = node.root / "commands" / command_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "script.sh").write_text(script)
    out, err = folder / "stdout", folder / "stderr"
    env = {**os.environ, "HOME": str(node.root), "PWD": str(node.work),
           "PATH": os.pathsep.join([str(node.bin), str(Path(sys.executable).parent),
                                    os.environ.get("PATH", "/usr/bin:/bin")])}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [shutil.which("bash") or "/bin/bash", str(folder / "script.sh")], cwd=node.work,
            env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
            start_new_session=True, preexec_fn=_unblock_signals)
    with _lock:
        _process_groups.setdefault(node.instance_id, set()).add(process.pid)
    return Invocation(node.instance_id, process, out, err, timeout, output=output,
                      node_root=node.root, account=account)


# ---- what a node leaves running --------------------------------------------------------------
# A script may leave a process running when it ends (a server started in the background with
# nohup: a notebook node's Jupyter). Each invocation is its own session and process group,
# which such a process stays in: when the instance stops or terminates (node_processes), or
# the emulator stops, every group its commands started is ended, as the machine's shutdown
# ends them on AWS: SIGTERM first (a server then ends its own children: Jupyter's terminals),
# SIGKILL for what is left after END_GRACE_SECONDS.

END_GRACE_SECONDS = 5.0
_process_groups: dict[str, set[int]] = {}


def _alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies, which hold nothing, do not count:
    an ended script waits for its reader's poll, an orphan for init)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def end_processes(instance_ids: list[str] | None = None) -> int:
    """End every process the commands of these nodes (all nodes: None) left running.
    Returns how many process groups were still there."""
    with _lock:
        ids = list(_process_groups) if instance_ids is None else list(instance_ids)
        groups = {g for i in ids for g in _process_groups.pop(i, set())}
    alive = [g for g in groups if _alive(g)]
    for g in alive:
        try:
            os.killpg(g, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + END_GRACE_SECONDS
    while any(_alive(g) for g in alive) and time.monotonic() < deadline:
        time.sleep(0.05)
    for g in alive:
        try:
            os.killpg(g, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(alive)


def _int_parameter(parameters: dict[str, list[str]], name: str, default: int) -> int:
    values = parameters.get(name) or [str(default)]
    try:
        value = int(values[0])
    except ValueError:
        raise SSMException("InvalidParameters",
                           f"Parameter {name} must be a number of seconds.") from None
    if not 1 <= value <= 172800:
        raise SSMException("InvalidParameters",
                           f"Parameter {name} must be between 1 and 172800 seconds.")
    return value


def _targets(self: Any, instance_ids: list[str]) -> dict[str, Any]:
    if not instance_ids:
        raise ValidationException("InstanceIds or Targets must be given (this emulator "
                                  "supports InstanceIds only).")
    if len(instance_ids) > MAX_TARGETS:
        raise ValidationException(f"1 validation error detected: Value at 'instanceIds' "
                                  f"failed to satisfy constraint: Member must have length "
                                  f"less than or equal to {MAX_TARGETS}")
    backend = ec2_backends[self.current_account][self.region]
    instances = {i.id: i for i in backend.all_instances() if i.id in instance_ids}
    bad = [i for i in instance_ids if i not in instances
           or not online(instances[i], self.current_account)]
    if bad:
        raise InvalidInstanceId(bad, self.current_account)
    return instances


def send_command(self: Any) -> ActionResult:
    document = self._get_param("DocumentName")
    if document != DOCUMENT:
        raise SSMException("InvalidDocument", f"Document with name {document} does not exist "
                                              f"(this emulator runs {DOCUMENT} only).")
    parameters = self._get_param("Parameters", {}) or {}
    lines = parameters.get("commands") or []
    if not lines:
        raise SSMException("InvalidParameters", "Parameter commands is required.")
    timeout = _int_parameter(parameters, "executionTimeout", DEFAULT_EXECUTION_TIMEOUT)
    instances = _targets(self, list(dict.fromkeys(self._get_param("InstanceIds", []) or [])))
    ips = _private_ips(self.current_account, self.region)
    command_id = str(uuid.uuid4())
    bucket = self._get_param("OutputS3BucketName")
    output = ((self.current_account, bucket, self._get_param("OutputS3KeyPrefix") or "",
               command_id) if bucket else None)
    invocations = {}
    for instance_id, instance in instances.items():
        node = _node(instance, self.current_account, self.region)
        script = rewrite("\n".join(lines) + "\n", node, ips)
        node_cli.stage(node.root, node.bin, script, self.current_account, self.region)
        invocations[instance_id] = _start(node, command_id, script, timeout, output,
                                          self.current_account)
    command = RunCommand(command_id, self._get_param("Comment", "") or "", parameters,
                         self._get_int_param("TimeoutSeconds", 3600), utcnow(), invocations)
    with _lock:
        _commands(self.ssm_backend)[command_id] = command
    return ActionResult({"Command": command.summary()})


def _command(self: Any, command_id: str | None) -> RunCommand:
    command = _commands(self.ssm_backend).get(command_id or "")
    if command is None:
        raise SSMException("InvalidCommandId", "Invalid command id.")
    return command


def _wait(command: RunCommand, instance_ids: list[str]) -> None:
    """Before a read: the grace for a quick process, and what the nodes copied to S3 moved
    there (a look at a command is what brings its live logs up to date)."""
    grace = _settings["read_grace"]
    deadline = time.time() + grace
    for instance_id in instance_ids:
        inv = command.invocations[instance_id]
        inv.status(max(0.0, deadline - time.time()))
        inv.flush()


def _plugin(inv: Invocation) -> dict[str, Any]:
    return {"Name": PLUGIN, "Status": inv.status(), "StatusDetails": inv.status(),
            "ResponseCode": inv.response_code(), "ResponseStartDateTime": inv.start_date,
            "ResponseFinishDateTime": inv.end_date, "Output": inv.stdout(LIST_OUTPUT_LIMIT),
            "StandardOutputUrl": "", "StandardErrorUrl": "", "OutputS3Region": ""}


def list_command_invocations(self: Any) -> ActionResult:
    command_id, instance_id = self._get_param("CommandId"), self._get_param("InstanceId")
    details = bool(self._get_param("Details", False))
    commands = ([_command(self, command_id)] if command_id
                else list(_commands(self.ssm_backend).values()))
    rows = []
    for command in commands:
        ids = [i for i in command.invocations if instance_id in (None, i)]
        _wait(command, ids)
        for i in ids:
            inv = command.invocations[i]
            row = {"CommandId": command.command_id, "InstanceId": i, "InstanceName": "",
                   "Comment": command.comment, "DocumentName": DOCUMENT,
                   "DocumentVersion": "$DEFAULT", "RequestedDateTime": command.requested,
                   "Status": inv.status(), "StatusDetails": inv.status(),
                   "StandardOutputUrl": "", "StandardErrorUrl": "", "CommandPlugins": []}
            if details:
                row["CommandPlugins"] = [_plugin(inv)]
            rows.append(row)
    return ActionResult({"CommandInvocations": rows})


def _elapsed(inv: Invocation) -> str:
    end = inv.end_date or utcnow()
    return f"PT{max(0.0, (end - inv.start_date).total_seconds()):.3f}S"


def get_command_invocation(self: Any) -> ActionResult:
    command = _command(self, self._get_param("CommandId"))
    instance_id = self._get_param("InstanceId")
    if instance_id not in command.invocations:
        raise SSMException("InvocationDoesNotExist", "An invocation with the specified "
                                                     "command id and instance id does not exist.")
    _wait(command, [instance_id])
    inv = command.invocations[instance_id]
    return ActionResult({
        "CommandId": command.command_id, "InstanceId": instance_id, "Comment": command.comment,
        "DocumentName": DOCUMENT, "DocumentVersion": "$DEFAULT", "PluginName": PLUGIN,
        "ResponseCode": inv.response_code(), "ExecutionStartDateTime": inv.start_date.isoformat(),
        "ExecutionElapsedTime": _elapsed(inv),
        "ExecutionEndDateTime": inv.end_date.isoformat() if inv.end_date else "",
        "Status": inv.status(), "StatusDetails": inv.status(),
        "StandardOutputContent": inv.stdout(), "StandardOutputUrl": "",
        "StandardErrorContent": inv.stderr(), "StandardErrorUrl": "",
        "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False},
    })


def list_commands(self: Any) -> ActionResult:
    command_id, instance_id = self._get_param("CommandId"), self._get_param("InstanceId")
    commands = ([_command(self, command_id)] if command_id
                else list(_commands(self.ssm_backend).values()))
    return ActionResult({"Commands": [c.summary() for c in commands
                                      if instance_id in (None, *c.invocations)]})


def cancel_command(self: Any) -> ActionResult:
    command = _command(self, self._get_param("CommandId"))
    ids = self._get_param("InstanceIds") or list(command.invocations)
    for instance_id in ids:
        if instance_id in command.invocations:
            command.invocations[instance_id].stop("Cancelled")
    return ActionResult({})


def install() -> None:
    for name, func in (("send_command", send_command), ("list_commands", list_commands),
                       ("list_command_invocations", list_command_invocations),
                       ("get_command_invocation", get_command_invocation),
                       ("cancel_command", cancel_command)):
        add_method(SimpleSystemManagerResponse, name, func)


# ---- after a restart of `make run` (local/state.py) -------------------------------------------
# The platform's processes did not survive it, and neither did what the nodes left running: a
# notebook node's Jupyter Server. Its node is still "running", its entry point still routes to
# its port: start it again there, with the script that started it (idempotent: it starts a
# server only when none runs), as a node's init would after a reboot.

_LISTENING = re.compile(r"jupyter listening on port (\d{1,5})")
_STARTS_SERVER = re.compile(r"\bjupyter server\b")


def restart_servers() -> list[str]:
    """Start again each Jupyter Server a node's command had started, on the port it had.
    Returns the ids of the instances it was started on."""
    started = []
    for account_id, by_region in dict(ssm_backends).items():
        for region, backend in dict(by_region).items():
            running = {i.id: i for i in ec2_backends[account_id][region].all_instances()
                       if i.state == "running"} if region in ec2_backends[account_id] else {}
            for command in list(_commands(backend).values()):
                for instance_id, inv in command.invocations.items():
                    instance = running.get(instance_id)
                    port = _LISTENING.search(inv.stdout())
                    if instance is None or port is None or inv.node_root is None:
                        continue
                    script_file = inv.node_root / "commands" / command.command_id / "script.sh"
                    try:
                        script = script_file.read_text()
                    except OSError:
                        continue
                    if not _STARTS_SERVER.search(script) or instance_id in started:
                        continue
                    node = _node(instance, account_id, region)
                    script = _SERVER_PORT.sub(rf"\g<1>={port.group(1)}", script)
                    _start(node, f"{command.command_id}-restart", script, inv.timeout,
                           account=account_id)
                    started.append(instance_id)
    return started
