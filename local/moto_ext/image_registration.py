"""RegisterImage details moto drops, and distinct AMI creation dates.

* moto's RegisterImage ignores TagSpecifications, Architecture,
  VirtualizationType, RootDeviceName, BootMode and EnaSupport; this honours
  them (tags through the backend's tag store, like CreateImage does).
* AMI CreationDate is rendered to the second, so images registered in quick
  succession tie and "newest first" sorting is arbitrary.  New images
  (RegisterImage, CreateImage, CopyImage) of an account get a creation date
  strictly later, by at least one second, than its newest own image in that
  region.  No wall-clock waiting involved.
"""

from __future__ import annotations

import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.responses import EC2Response

from ._patching import wrap_method

_ONE_SECOND = datetime.timedelta(seconds=1)


def _naive_utc(date: datetime.datetime) -> datetime.datetime:
    if date.tzinfo is not None:
        date = date.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return date.replace(microsecond=0)


def _bump_creation_date(backend: Any, ami: Ami) -> None:
    own = [
        _naive_utc(other.creation_date)
        for other in backend.amis.values()
        if other is not ami and other.owner_id == backend.account_id
    ]
    date = _naive_utc(utcnow())
    if own and date <= max(own):
        date = max(own) + _ONE_SECOND
    ami.creation_date = date


def _monotonic(original: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Ami:
        ami = original(self, *args, **kwargs)
        _bump_creation_date(self, ami)
        return ami

    return method


def _register_image(original: Any) -> Any:
    def register_image(self: Any) -> ActionResult:
        result = original(self)
        ami = self.ec2_backend.amis[result.result["ImageId"]]
        for attr, param in (
            ("architecture", "Architecture"),
            ("virtualization_type", "VirtualizationType"),
            ("root_device_name", "RootDeviceName"),
            ("boot_mode", "BootMode"),
        ):
            value = self._get_param(param)
            if value:
                setattr(ami, attr, value)
        if self._get_param("BlockDeviceMappings"):
            ami.root_device_type = "ebs"
        tags = self._parse_tag_specification().get("image", {})
        if tags:
            ami.add_tags(tags)
        return result

    return register_image


def install() -> None:
    for name in ("register_image", "create_image", "copy_image"):
        wrap_method(AmiBackend, name, _monotonic)
    wrap_method(EC2Response, "register_image", _register_image)
