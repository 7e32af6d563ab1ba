"""A run's logs, in the organization's bucket: while an attempt runs, its head node copies the
growing logs there every few seconds (scripts.live_keys: the live logs, also copied once more
at the end); SSM writes the command's whole stdout and stderr there when it ends
(cloud/ssm.output_keys), which is what is read when there are no live logs (a head node that
could not copy them). The SDK fetches them through presigned URLs, without auth, that expire
after an hour; the Jobs page reads their first 256 KB."""
from __future__ import annotations

from ..cloud import ssm
from ..cloud.sessions import call, customer_client
from ..kernel import clock
from ..kernel.errors import CloudError, DomainError
from ..kernel.times import iso
from ..linking.links import link_for
from . import scripts
from .machine import JobRun

EXPIRES_SECONDS = 3600


PAGE_LIMIT = 256 * 1024   # what the Jobs page shows of each log


def _attempt(run: JobRun, attempt: int | None) -> tuple[int, str, str]:
    """(attempt, command id, instance id) of an attempt (by default the latest one that
    started)."""
    started = [(a["attempt"], a["commandId"], a["instanceId"]) for a in run.attempts
               if a.get("commandId")]
    if run.command_id:
        started.append((run.attempt, run.command_id, run.instance_id))
    chosen = [a for a in started if attempt is None or a[0] == attempt]
    if not chosen or run.bucket is None:
        which = f"attempt {attempt}" if attempt else "it"
        raise DomainError(f"Job run {run.spec.name} is {run.status.value}: {which} has not "
                          f"started, so there are no logs yet.")
    return chosen[-1]


def _keys(run: JobRun, s3, attempt: int | None) -> dict[str, str]:
    """The attempt's live logs where the head node copied them, else SSM's output."""
    number, command_id, instance_id = _attempt(run, attempt)
    live = scripts.live_keys(run.log_prefix, number)
    try:
        call(s3.head_object, Bucket=run.bucket, Key=live["stdout"])
        return live
    except CloudError as e:
        if e.code not in ("404", "NoSuchKey", "NotFound"):
            raise
    return ssm.output_keys(run.log_prefix, command_id, instance_id)


def read(run: JobRun, attempt: int | None = None, limit: int = PAGE_LIMIT) -> dict:
    """{"stdout", "stderr": the first `limit` bytes as text, "cut": whether there was more}
    for the Jobs page (the SDK fetches the URLs instead). A log not written yet (the attempt
    still runs) reads as empty."""
    s3 = customer_client(link_for(run.organization_uuid), "s3", run.region)
    found, cut = {}, False
    for name, key in _keys(run, s3, attempt).items():
        try:
            reply = call(s3.get_object, Bucket=run.bucket, Key=key, Range=f"bytes=0-{limit}")
        except CloudError as e:
            if e.code not in ("NoSuchKey", "InvalidRange"):
                raise
            found[name] = ""
            continue
        data = reply["Body"].read()
        cut = cut or len(data) > limit
        found[name] = data[:limit].decode(errors="replace")
    return {**found, "cut": cut}


def urls(run: JobRun, attempt: int | None = None) -> dict:
    """{"stdoutUrl", "stderrUrl", "expirationDate"} of an attempt (by default the latest one
    that started)."""
    s3 = customer_client(link_for(run.organization_uuid), "s3", run.region)
    keys = _keys(run, s3, attempt)
    # Signed here, sent by the SDK: authorised as s3:GetObject of the linked role.
    signed = {name: s3.generate_presigned_url("get_object", ExpiresIn=EXPIRES_SECONDS,
                                              Params={"Bucket": run.bucket, "Key": key})
              for name, key in keys.items()}
    return {"stdoutUrl": signed["stdout"], "stderrUrl": signed["stderr"],
            "expirationDate": iso(clock.now() + EXPIRES_SECONDS)}
