"""What CloudFront's emulated resources share: the time a change takes to deploy, their
ETags, and the errors AWS answers when a request does not fit the resource's state.

On AWS a change to a distribution or a VPC origin is not live at once: the resource reports
``InProgress`` (a distribution) or ``Deploying``/``Deleting`` (a VPC origin) for minutes,
then ``Deployed`` (or, deleted, is gone). Here a change takes ``seconds`` (half a second by
default, so ``make run`` moves on quickly) read from ``clock`` (the harness passes its fake clock, so a
test moves through a deployment without waiting): ``configure(seconds, clock)``.

Every change gives the resource a new ETag; a request that changes or deletes it must name
the current one in ``IfMatch`` (``InvalidIfMatchVersion`` when missing, ``PreconditionFailed``
when it is an older one), as AWS checks it. The errors' HTTP statuses come from the service
model (412 for PreconditionFailed, 409 for the conflicts), as moto serialises them.
"""

from __future__ import annotations

import string
import time
from typing import Any, Callable

from moto.cloudfront.exceptions import CloudFrontException
from moto.moto_api._internal import mock_random as random

DEFAULT_SECONDS = 0.5
_settings: dict[str, Any] = {"seconds": DEFAULT_SECONDS, "clock": time.time}


def configure(seconds: float = DEFAULT_SECONDS, clock: Callable[[], float] | None = None) -> None:
    """Changes made from now on take `seconds` on `clock` to deploy (0: at once)."""
    _settings["seconds"] = max(0.0, float(seconds))
    _settings["clock"] = clock or time.time


def now() -> float:
    return _settings["clock"]()


def deployed(changed_at: float) -> bool:
    """Whether a change made at `changed_at` is deployed by now."""
    return now() - changed_at >= _settings["seconds"]


def new_etag() -> str:
    chars = string.ascii_uppercase + string.digits
    return "E" + "".join(random.choice(chars) for _ in range(13))


class PreconditionFailed(CloudFrontException):

    def __init__(self, what: str) -> None:
        super().__init__("PreconditionFailed", f"The request failed because it didn't meet the "
                                               f"preconditions in one or more request-header "
                                               f"fields: IfMatch is not the current ETag of {what}.")


class InvalidIfMatchVersion(CloudFrontException):
    def __init__(self) -> None:
        super().__init__("InvalidIfMatchVersion",
                         "The If-Match version is missing or not valid for the resource.")


class InvalidArgument(CloudFrontException):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidArgument", message)


class DistributionNotDisabled(CloudFrontException):

    def __init__(self, why: str) -> None:
        super().__init__("DistributionNotDisabled", f"The distribution you are trying to delete "
                                                    f"has not been disabled: {why}.")


class EntityNotFound(CloudFrontException):

    def __init__(self, what: str) -> None:
        super().__init__("EntityNotFound", f"The entity was not found: {what}.")


class CannotDeleteEntityWhileInUse(CloudFrontException):

    def __init__(self, what: str) -> None:
        super().__init__("CannotDeleteEntityWhileInUse",
                         f"Cannot delete entity, entity is associated with another resource: "
                         f"{what}.")


class IllegalDelete(CloudFrontException):
    def __init__(self, why: str) -> None:
        super().__init__("IllegalDelete", f"Deleting this resource is not allowed: {why}.")


def check_if_match(if_match: str | None, etag: str, what: str) -> None:
    if not if_match:
        raise InvalidIfMatchVersion()
    if if_match != etag:
        raise PreconditionFailed(what)
