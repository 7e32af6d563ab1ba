"""Shell scripts on a cluster's nodes through SSM Run Command (``AWS-RunShellScript``), and
each node's outcome read back. Writes no state: the caller records the command id.

AWS's ways this follows: a node that has just come online may still be refused with
``InvalidInstanceId`` for a little while (its agent registered, Run Command does not know it
yet): `send` answers None, and the caller tries again. An invocation may not be listed right
after SendCommand (eventual consistency): it reads as Pending. The output SSM returns in a
listing is cut at 2,500 characters: scripts print short verdicts, not bulk output."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel.errors import CloudError
from .sessions import call

DOCUMENT = "AWS-RunShellScript"
FINAL = frozenset({"Success", "Failed", "TimedOut", "Cancelled", "Undeliverable", "Terminated",
                   "DeliveryTimedOut", "ExecutionTimedOut"})
NOT_YET_KNOWN = "InvalidInstanceId"


@dataclass(frozen=True)
class Outcome:
    instance_id: str
    status: str            # Pending, InProgress, Delayed, Success, Failed, TimedOut, ...
    code: int = -1
    output: str = ""

    @property
    def done(self) -> bool:
        return self.status in FINAL

    @property
    def ok(self) -> bool:
        return self.status == "Success"

    @property
    def verdict(self) -> str:
        """The last line the script printed (its verdict), or the status when none."""
        lines = [line for line in self.output.splitlines() if line.strip()]
        return lines[-1].strip() if lines else self.status


def send(ssm, instance_ids: list[str], script: str, comment: str,
         timeout_seconds: int = 300, output: tuple[str, str] | None = None) -> str | None:
    """Run `script` with bash on every instance: the command id, or None when SSM does not
    take commands for one of them yet (InvalidInstanceId: try again shortly). `output`:
    (bucket, key prefix) where SSM writes each instance's whole stdout and stderr when the
    command ends (`output_keys`)."""
    extra = ({"OutputS3BucketName": output[0], "OutputS3KeyPrefix": output[1]}
             if output else {})
    try:
        reply = call(ssm.send_command, InstanceIds=list(instance_ids), DocumentName=DOCUMENT,
                     Comment=comment[:100], TimeoutSeconds=max(30, timeout_seconds),
                     Parameters={"commands": script.splitlines(),
                                 "executionTimeout": [str(timeout_seconds)]}, **extra)
    except CloudError as e:
        if e.code == NOT_YET_KNOWN:
            return None
        raise
    return reply["Command"]["CommandId"]


def outcomes(ssm, command_id: str, instance_ids: list[str]) -> dict[str, Outcome]:
    """Each instance's outcome of the command (Pending for one not listed yet)."""
    pages = ssm.get_paginator("list_command_invocations").paginate(
        CommandId=command_id, Details=True)
    rows = call(lambda: [r for p in pages for r in p["CommandInvocations"]])
    found = {}
    for row in rows:
        plugin = (row.get("CommandPlugins") or [{}])[0]
        found[row["InstanceId"]] = Outcome(row["InstanceId"], row.get("Status", "Pending"),
                                           int(plugin.get("ResponseCode", -1)),
                                           plugin.get("Output", ""))
    return {i: found.get(i, Outcome(i, "Pending")) for i in instance_ids}


def output_keys(prefix: str, command_id: str, instance_id: str) -> dict[str, str]:
    """Where SSM writes an instance's output of a command sent with an S3 output location:
    {"stdout": key, "stderr": key} (AWS's layout for AWS-RunShellScript)."""
    base = f"{prefix.rstrip('/')}/{command_id}/{instance_id}/awsrunShellScript/0.awsrunShellScript"
    return {"stdout": f"{base}/stdout", "stderr": f"{base}/stderr"}


def find(ssm, instance_id: str, comment: str) -> str | None:
    """The command sent to the instance with this comment (an earlier attempt that was sent
    before its result was recorded), or None."""
    pages = ssm.get_paginator("list_commands").paginate(InstanceId=instance_id)
    rows = call(lambda: [c for p in pages for c in p["Commands"]])
    return next((c["CommandId"] for c in rows if c.get("Comment") == comment[:100]), None)


def error_tail(ssm, command_id: str, instance_id: str) -> str:
    """The last line the command wrote to stderr on the instance (what a failure says)."""
    reply = call(ssm.get_command_invocation, CommandId=command_id, InstanceId=instance_id)
    lines = [line for line in reply.get("StandardErrorContent", "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def cancel(ssm, command_id: str) -> None:
    """Stop the command wherever it still runs (one that ended already is left as it is)."""
    try:
        call(ssm.cancel_command, CommandId=command_id)
    except CloudError as e:
        if e.code not in ("InvalidCommandId", "DuplicateInstanceId"):
            raise
