"""AWS errors, sorted into the two kinds a step cares about: try again later, or give up with
the reason AWS gave (which the user then reads in the task details)."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from ..kernel.errors import CloudError

TRANSIENT_CODES = frozenset({
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
    "ServiceUnavailable", "Unavailable", "InternalError", "InternalFailure", "RequestTimeout",
    "RequestTimeoutException", "PriorRequestNotComplete", "IncorrectState",
    "InvalidPlacementGroup.InUse", "DependencyViolation", "EC2ThrottledException",
    # EC2 is eventually consistent: what was just made (an instance, a security group, a
    # launch template) may answer NotFound for seconds. The engine bounds these retries.
    "InvalidInstanceID.NotFound", "InvalidGroup.NotFound", "InvalidLaunchTemplateId.NotFound",
    "InvalidLaunchTemplateName.NotFoundException",
})


def from_client_error(e: ClientError) -> CloudError:
    err = e.response.get("Error", {})
    code = err.get("Code", "Unknown")
    return CloudError(code, err.get("Message", str(e)), code in TRANSIENT_CODES)


def classify(e: Exception) -> CloudError:
    if isinstance(e, CloudError):
        return e
    if isinstance(e, ClientError):
        return from_client_error(e)
    if isinstance(e, BotoCoreError):  # connection errors, timeouts: the network, not the request
        return CloudError(type(e).__name__, str(e), transient=True)
    raise e
