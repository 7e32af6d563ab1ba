"""The hourly report to the (local, strict) AWS Marketplace: 25 to a call, hour-start
timestamps, immutable quantities, results kept, unprocessed resent, stale never sent."""
from __future__ import annotations

import logging

from chalicelib.cloud import marketplace as mp
from chalicelib.kernel import clock
from chalicelib.usage import ledger, report
from local import marketplace
from tests import faults
from tests.usage.test_sweep import day_at, move_to, running_cluster, tick


def _reported():
    return [(ledger.hour_label(m.timestamp)[-2:], m.dimension, m.quantity)
            for m in marketplace.reported()]


def test_an_hour_is_reported_once_closed_with_its_start_as_timestamp(platform):
    move_to(platform, day_at("10:07:30"))
    uuid = running_cluster(platform)
    move_to(platform, day_at("11:01:00"))
    tick(platform)
    assert _reported() == []                          # not settled yet (2 minutes)
    move_to(platform, day_at("11:03:00"))
    tick(platform)
    assert _reported() == [("10", "c5_2xlarge_minutes", 106)]
    [r] = report.hour_records(day_at("10:00:00"))
    assert r.status == "Success" and r.metering_record_id and r.attempts == 1
    assert r.customer["license_arn"].startswith("arn:aws:license-manager::")
    # more ticks send nothing again
    for _ in range(3):
        platform.clock.advance(60)
        tick(platform)
    assert _reported() == [("10", "c5_2xlarge_minutes", 106)]
    assert report.hour_records(day_at("10:00:00"))[0].attempts == 1
    assert platform.request("DELETE", f"/v1/clusters/{uuid}").status_code == 200


def test_unprocessed_records_are_resent_and_a_throttled_call_retried(platform):
    move_to(platform, day_at("10:00:00"))
    running_cluster(platform, workersQuantity=1)
    marketplace.leave_unprocessed(1)
    move_to(platform, day_at("11:05:00"))
    tick(platform)
    [r] = report.hour_records(day_at("10:00:00"))
    assert (r.status, r.last_error, r.attempts) == ("PENDING", "unprocessed", 1)
    assert _reported() == []
    state = faults.fail("meteringmarketplace", "BatchMeterUsage", "ThrottlingException")
    platform.clock.advance(60)
    tick(platform)
    assert state["calls"] == 1
    [r] = report.hour_records(day_at("10:00:00"))
    assert r.status == "PENDING" and r.last_error.startswith("ThrottlingException")
    platform.clock.advance(60)
    tick(platform)
    assert _reported() == [("10", "c5_2xlarge_minutes", 60)]
    assert report.hour_records(day_at("10:00:00"))[0].status == "Success"


def test_a_record_six_hours_old_never_enters_a_batch_and_raises_an_alert(platform, caplog):
    move_to(platform, day_at("10:00:00"))
    running_cluster(platform, workersQuantity=1)
    marketplace.leave_unprocessed(100)               # AWS keeps failing on its side
    move_to(platform, day_at("11:05:00"))
    tick(platform)
    move_to(platform, day_at("15:56:00"))            # 5 h 56 min after 10:00
    with caplog.at_level(logging.ERROR, logger="corral.usage"):
        tick(platform)
    hour10 = report.hour_records(day_at("10:00:00"))
    assert [r.status for r in hour10] == ["STALE"]
    assert any("ALERT usage-report-stale" in m for m in caplog.messages)
    # the later hours went, 10 did not go with them
    marketplace.leave_unprocessed(0)
    platform.clock.advance(60)
    tick(platform)
    assert all(h != "10" for h, _, _ in _reported()), _reported()
    assert {h for h, _, _ in _reported()} == {"11", "12", "13", "14"}


def test_the_local_marketplace_refuses_what_aws_refuses(platform):
    customer = mp.resolve_customer(marketplace.create_subscription("210987654321"))
    now = clock.now()
    hour = now - now % 3600

    def rec(**over):
        return {"CustomerAWSAccountId": customer.customer_aws_account_id,
                "LicenseArn": customer.license_arn, "Dimension": "c5_2xlarge_minutes",
                "Quantity": 5, "Timestamp": hour, **over}

    import pytest
    from chalicelib.kernel.errors import CloudError
    for records, code in (([rec()] * 26, None), ([rec(Timestamp=now - 6 * 3600)],
                                                 "TimestampOutOfBoundsException"),
                          ([rec(Dimension="nope")], "InvalidUsageDimensionException"),
                          ([rec(CustomerIdentifier="x")], "ValidationException")):
        if code is None:
            with pytest.raises(ValueError):
                mp.batch_meter_usage("corral", records)
            continue
        with pytest.raises(CloudError) as e:
            mp.batch_meter_usage("corral", records)
        assert e.value.code == code
    with pytest.raises(CloudError) as e:
        mp.batch_meter_usage("other", [rec()])
    assert e.value.code == "InvalidProductCodeException"
    assert mp.batch_meter_usage("corral", [rec()]).results[0][0] == "Success"
    assert mp.batch_meter_usage("corral", [rec()]).results[0][0] == "Success"     # idempotent
    assert mp.batch_meter_usage("corral", [rec(Quantity=6)]).results[0][0] == "DuplicateRecord"
    stranger = rec(CustomerAWSAccountId="999999999999")
    assert mp.batch_meter_usage("corral", [stranger]).results[0][0] == "CustomerNotSubscribed"


def test_an_ended_subscription_is_charged_up_to_its_clusters_removal_and_reported(platform):
    """unsubscribe-success removes the organization's clusters (subscriptions/): their usage
    stops at that minute and still goes in the last report, which AWS accepts for an hour
    after the license ends; a record sent later is CustomerNotSubscribed, and kept so."""
    from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID
    move_to(platform, day_at("10:00:00"))
    uuid = running_cluster(platform, workersQuantity=1)
    move_to(platform, day_at("10:30:00"))
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    platform.pump.drain()
    assert platform.cluster(uuid)["status"] in ("TERMINATING", "TERMINATED")
    assert platform.request("POST", "/v1/clusters", {
        "name": "late", "instanceType": "c5.2xlarge", "workersQuantity": 1}).status_code == 409
    move_to(platform, day_at("11:03:00"))
    tick(platform)
    assert _reported() == [("10", "c5_2xlarge_minutes", 30)]
    [r] = report.hour_records(day_at("10:00:00"))
    assert r.status == "Success"


def test_usage_sent_over_an_hour_after_the_license_ended_is_not_subscribed(platform):
    from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID
    move_to(platform, day_at("10:00:00"))
    running_cluster(platform, workersQuantity=1)
    move_to(platform, day_at("10:20:00"))
    marketplace.leave_unprocessed(100)                 # AWS keeps failing on its side ...
    move_to(platform, day_at("10:40:00"))
    marketplace.unsubscribe(DEMO_CUSTOMER_ACCOUNT_ID)
    platform.pump.drain()
    move_to(platform, day_at("11:03:00"))
    tick(platform)
    assert report.hour_records(day_at("10:00:00"))[0].status == "PENDING"
    marketplace.leave_unprocessed(0)                   # ... until after the hour's grace
    move_to(platform, day_at("11:45:00"))
    tick(platform)
    [r] = report.hour_records(day_at("10:00:00"))
    assert r.status == "CustomerNotSubscribed" and _reported() == []
