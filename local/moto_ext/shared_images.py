"""Cross-account AMI sharing, which moto ignores.

moto keeps AMIs per account and region; a launch permission granted with
ModifyImageAttribute is recorded but never lets another account see or use
the image.  Here an account B also sees, in the same region, AMIs of other
accounts that are public or carry a ``{"UserId": B}`` launch permission:

* DescribeImages in B returns them (honouring ImageIds, Owners,
  ExecutableUsers and Filters).  As on AWS, the owner's tags are not shared:
  B sees such images without tags, and ``tag:`` filters do not match them.
* ``launchable_image`` tells RunInstances/CreateFleet (see ``launch_checks``)
  whether B may launch an image id: B's own images (including moto's default
  AMIs, which exist in every account) or images shared with B.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidAMIIdError
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.ec2.responses import EC2Response
from moto.ec2.utils import generic_filter

from ._patching import wrap_method


class _NoTags:
    """Stands in for the owner's backend on a consumer's view of an AMI."""

    def describe_tags(self, filters: Any = None) -> list[dict[str, str]]:
        return []


def _consumer_view(ami: Ami) -> Ami:
    view = copy.copy(ami)
    view.ec2_backend = _NoTags()
    return view


def _can_launch(ami: Ami, account_id: str) -> bool:
    return ami.is_public or {"UserId": account_id} in ami.launch_permissions


def foreign_images(account_id: str, region: str) -> list[Ami]:
    """AMIs of other accounts in ``region`` that ``account_id`` may launch."""
    found = []
    for owner, regional in list(ec2_backends.items()):
        if owner == account_id:
            continue
        backend = dict.get(regional, region)  # never instantiate a backend here
        if backend is None:
            continue
        for ami in list(backend.amis.values()):
            # moto copies its default AMIs into every account; those are
            # Amazon's, not the other account's, and B already has them.
            if ami.owner_id == owner and _can_launch(ami, account_id):
                found.append(ami)
    return found


def launchable_image(backend: Any, image_id: str) -> Ami | None:
    """The AMI ``image_id`` if the backend's account may launch it here."""
    if image_id in backend.amis:
        return backend.amis[image_id]
    for ami in foreign_images(backend.account_id, backend.region_name):
        if ami.id == image_id:
            return ami
    return None


def _select_foreign(
    images: list[Ami],
    account_id: str,
    ami_ids: list[str],
    owners: list[str],
    exec_users: list[str],
    filters: dict[str, Any],
) -> list[Ami]:
    if ami_ids:
        images = [a for a in images if a.id in ami_ids]
    if owners:
        owners = [account_id if o == "self" else o for o in owners]
        images = [a for a in images if a.owner_id in owners or a.owner_alias in owners]
    if exec_users:
        users = {account_id if u == "self" else u for u in exec_users}
        images = [
            a
            for a in images
            if a.is_public or any(lp.get("UserId") in users for lp in a.launch_permissions)
        ]
    views = [_consumer_view(a) for a in images]
    return generic_filter(filters, views) if filters else views


def _describe_images(original: Any) -> Any:
    def describe_images(self: Any) -> ActionResult:
        ami_ids = self._get_param("ImageIds", [])
        owners = self._get_param("Owners", [])
        exec_users = self._get_param("ExecutableUsers", [])
        filters = self._filters_from_querystring()
        backend = self.ec2_backend
        foreign = _select_foreign(
            foreign_images(backend.account_id, backend.region_name),
            backend.account_id,
            ami_ids,
            owners,
            exec_users,
            filters,
        )
        if not foreign:
            return original(self)
        own: list[Any] = []
        own_ids = [i for i in ami_ids if i not in {a.id for a in foreign}]
        if own_ids or not ami_ids:
            try:
                own = backend.describe_images(
                    ami_ids=own_ids, filters=filters, exec_users=exec_users, owners=owners
                )
            except InvalidAMIIdError:
                own = []
        self.error_on_dryrun()
        return ActionResult({"Images": own + foreign})

    return describe_images


def install() -> None:
    wrap_method(EC2Response, "describe_images", _describe_images)
