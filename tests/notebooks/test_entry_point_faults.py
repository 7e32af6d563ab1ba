"""A notebook's entry point under faults: a worker cut short right after each call that makes,
changes or deletes something converges on one of each (and leaves nothing once removed);
another change slipping in between reading an ETag and using it (PreconditionFailed) is read
again; what is gone already counts as removed; a slow deployment is waited for, one that never
ends fails the launch and everything made is released; a node group that does not let
CloudFront in fails the probe through the entry point; a lasting refusal fails the launch."""
from __future__ import annotations

import pytest

from local.harness import DEPLOY_SECONDS
from local.moto_ext import cloudfront_deploys
from tests import faults
from tests.clusters.orphans import assert_no_orphans

from . import helpers as h


def _crash_once_after(service: str, operation: str) -> dict:
    state = {"crashed": False}

    def crash():
        if not state["crashed"]:
            state["crashed"] = True
            raise faults.Crash()

    faults.after(service, operation, crash)
    return state


def _drain_through_crash(platform) -> None:
    try:
        platform.pump.drain()
    except faults.Crash:
        pass


def _until(platform, uuid: str, statuses, minutes: int = 90) -> dict:
    """Move on a minute at a time, the worker's crashes taken as they come."""
    statuses = {statuses} if isinstance(statuses, str) else set(statuses)
    for _ in range(minutes):
        _drain_through_crash(platform)
        found = h.notebook(platform, uuid)
        if found["status"] in statuses:
            return found
        platform.clock.advance(60)
        from handlers.tick import tick
        tick()
    raise AssertionError(f"never {statuses}: {h.notebook(platform, uuid)}")


@pytest.mark.parametrize("service, operation", [
    ("ec2", "CreateSecurityGroup"), ("cloudfront", "CreateVpcOrigin"),
    ("ec2", "AuthorizeSecurityGroupIngress"), ("cloudfront", "CreateDistributionWithTags")])
def test_a_creation_cut_short_after_a_call_converges_on_one_of_each(platform, service,
                                                                     operation):
    cluster = h.running_cluster(platform)
    crashed = _crash_once_after(service, operation)
    created = h.create(platform, cluster["uuid"])
    ready = _until(platform, created["uuid"], ("READY", "FAILED"))
    assert crashed["crashed"]
    assert ready["status"] == "READY", h.task(platform, created["uuid"])
    dists, origins = h.entry_point(platform, created["uuid"])
    assert [d["Id"] for d in dists] == [ready["distributionId"]]
    assert [v["Id"] for v in origins] == [ready["vpcOriginId"]]
    group = h.node_group(platform, created["uuid"])          # one group, one rule
    assert len(group["IpPermissions"]) == 1, group["IpPermissions"]
    platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    _until(platform, created["uuid"], "TERMINATED")
    h.assert_no_entry_point(platform, created["uuid"], ready["url"])


@pytest.mark.parametrize("service, operation", [
    ("ec2", "DeleteSecurityGroup"), ("cloudfront", "UpdateDistribution"),
    ("cloudfront", "DeleteDistribution"), ("cloudfront", "DeleteVpcOrigin")])
def test_a_removal_cut_short_after_a_call_converges_on_nothing_left(platform, service,
                                                                     operation):
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    ready = h.until(platform, created["uuid"], "READY")
    crashed = _crash_once_after(service, operation)
    platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    _until(platform, created["uuid"], "TERMINATED")
    assert crashed["crashed"]
    h.assert_no_entry_point(platform, created["uuid"], ready["url"])
    assert_no_orphans(platform)


def test_a_stale_etag_is_read_again_and_the_removal_goes_on(platform):
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    ready = h.until(platform, created["uuid"], "READY")
    stale = {op: faults.fail("cloudfront", op, "PreconditionFailed", "the ETag is not current",
                             status=412)
             for op in ("UpdateDistribution", "DeleteDistribution", "DeleteVpcOrigin")}
    platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    h.until(platform, created["uuid"], "TERMINATED")
    assert {op: s["calls"] for op, s in stale.items()} == {
        "UpdateDistribution": 2, "DeleteDistribution": 2, "DeleteVpcOrigin": 2}
    removal = "\n".join(h.task(platform, created["uuid"])["details"])
    assert "Retrying" not in removal, removal        # read again at once, not a retry later
    h.assert_no_entry_point(platform, created["uuid"], ready["url"])


def test_an_entry_point_gone_already_counts_as_removed(platform):
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    ready = h.until(platform, created["uuid"], "READY")
    cf = platform.customer("cloudfront")
    dist = ready["distributionId"]
    got = cf.get_distribution_config(Id=dist)          # someone removes it by hand
    got["DistributionConfig"]["Enabled"] = False
    done = cf.update_distribution(Id=dist, IfMatch=got["ETag"],
                                  DistributionConfig=got["DistributionConfig"])
    platform.clock.advance(DEPLOY_SECONDS)
    cf.delete_distribution(Id=dist, IfMatch=done["ETag"])
    platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    h.until(platform, created["uuid"], "TERMINATED")
    removal = "\n".join(h.task(platform, created["uuid"])["details"])
    assert f"Distribution {dist} deleted" in removal and "Retrying" not in removal, removal
    h.assert_no_entry_point(platform, created["uuid"], ready["url"])


def test_a_distribution_enabled_again_during_the_removal_is_disabled_again(platform):
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    ready = h.until(platform, created["uuid"], "READY")
    platform.request("DELETE", f"/v1/notebooks/{created['uuid']}")
    for _ in range(20):                                 # until it is disabled
        platform.pump.drain()
        details = "\n".join(h.task(platform, created["uuid"])["details"])
        if "disabled (deleted once" in details:
            break
        platform.clock.advance(5)
    cf = platform.customer("cloudfront")
    got = cf.get_distribution_config(Id=ready["distributionId"])
    got["DistributionConfig"]["Enabled"] = True         # someone enables it again
    cf.update_distribution(Id=ready["distributionId"], IfMatch=got["ETag"],
                           DistributionConfig=got["DistributionConfig"])
    h.until(platform, created["uuid"], "TERMINATED")
    removal = "\n".join(h.task(platform, created["uuid"])["details"])
    assert f"Distribution {ready['distributionId']} found (enabled" in removal, removal
    h.assert_no_entry_point(platform, created["uuid"], ready["url"])


def test_a_deployment_slower_than_the_first_look_is_waited_for(platform):
    cloudfront_deploys.configure(5 * DEPLOY_SECONDS, platform.clock)
    cluster = h.running_cluster(platform)
    created = h.create(platform, cluster["uuid"])
    ready = h.until(platform, created["uuid"], ("READY", "FAILED"))
    assert ready["status"] == "READY", h.task(platform, created["uuid"])


def test_a_deployment_that_never_ends_fails_the_launch_and_releases_everything(platform):
    cluster = h.running_cluster(platform)
    cloudfront_deploys.configure(10 ** 7, platform.clock)
    created = h.create(platform, cluster["uuid"])
    failed = h.until(platform, created["uuid"], ("READY", "FAILED"), rounds=80, step_seconds=60)
    assert failed["status"] == "FAILED"
    assert failed["failureReason"] == (f"VPC origin {failed['vpcOriginId']} still Deploying "
                                       f"after 45 minutes")
    cloudfront_deploys.configure(DEPLOY_SECONDS, platform.clock)   # deployed by now
    h.minutes(platform, 10)
    assert h.node(platform, created["uuid"])["State"]["Name"] == "terminated"
    h.assert_no_entry_point(platform, created["uuid"])
    assert h.notebook(platform, created["uuid"])["status"] == "FAILED"   # watches its cluster


def test_a_node_group_that_does_not_let_cloudfront_in_fails_the_probe_through_it(platform):
    cluster = h.running_cluster(platform)
    # AWS says the rule is in, but it is not: CloudFront's packets are dropped (its 504).
    faults.empty_reply("ec2", "AuthorizeSecurityGroupIngress", {"Return": True})
    created = h.create(platform, cluster["uuid"])
    failed = h.until(platform, created["uuid"], ("READY", "FAILED"), rounds=40, step_seconds=60)
    assert failed["status"] == "FAILED"
    assert failed["failureReason"].startswith("Jupyter never answered through the entry point "
                                              "http://localhost:")
    assert "answered 504" in failed["failureReason"]
    assert "CloudFront-VPCOrigins-Service-SG" in failed["failureReason"]
    h.minutes(platform, 10)
    h.assert_no_entry_point(platform, created["uuid"])


def test_a_lasting_refusal_fails_the_launch_and_releases_what_it_made(platform):
    cluster = h.running_cluster(platform)
    faults.fail("cloudfront", "CreateVpcOrigin", "InvalidArgument",
                "VPC origins are not supported in this Availability Zone", times=5)
    created = h.create(platform, cluster["uuid"])
    failed = h.until(platform, created["uuid"], ("READY", "FAILED"))
    assert failed["status"] == "FAILED"
    assert failed["failureReason"] == ("InvalidArgument: VPC origins are not supported in this "
                                       "Availability Zone")
    h.minutes(platform, 5)
    assert h.node(platform, created["uuid"])["State"]["Name"] == "terminated"
    h.assert_no_entry_point(platform, created["uuid"])
    details = "\n".join(h.task(platform, created["uuid"])["details"])
    assert "No distribution to delete" in details and "No VPC origin to delete" in details
