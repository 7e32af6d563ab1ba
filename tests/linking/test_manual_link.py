"""The manual link: the platform assumes the customer's role with the organization's External
ID; every failure is its own clear error, and nothing is saved on failure."""
from __future__ import annotations

import importlib.util

import pytest

from chalicelib.identity import organizations
from chalicelib.linking import links as linking

from .helpers import OTHER_ACCOUNT, account, make_role, org_headers, role_for


def test_link_manually_saves_the_link_and_starts_sharing(platform):
    org = organizations.create_organization("acme")
    creds = account()
    arn = role_for(org, creds)
    reply = platform.request("PUT", "/v1/settings/aws-account",
                             {"accountId": OTHER_ACCOUNT, "roleArn": arn, "region": "us-west-2"},
                             headers=org_headers(platform, org))
    assert reply.status_code == 200, reply.body
    view = reply.json_body
    assert (view["accountId"], view["roleArn"], view["region"]) == (OTHER_ACCOUNT, arn, "us-west-2")
    assert view["cloudConfigUUID"]
    for _ in range(10):  # one task per region, delivered by the pump
        platform.pump.drain()
    view = platform.request("GET", "/v1/settings", headers=org_headers(platform, org)).json_body
    if importlib.util.find_spec("chalicelib.image_shares") is None:
        return  # the AMI-share tasks are another change; until it lands the shares stay PENDING
    assert {r["status"] for r in view["amiShare"].values()} == {"SHARED"}
    assert view["ready"] is True


def test_wrong_external_id_and_untrusting_role(platform):
    org = organizations.create_organization("acme")
    creds = account()
    # A role made for another organization (another External ID), and one trusting nobody.
    other = role_for(org, creds, name="BodoPlatformUserOther", external_id="f" * 48)
    stranger = make_role(creds, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Action": "sts:AssumeRole"}]}, name="BodoPlatformUserStranger")
    for arn in (other, stranger):
        with pytest.raises(linking.LinkError) as e:
            linking.link_manually(org, OTHER_ACCOUNT, arn, "us-east-1")
        assert e.value.field == "roleArn"
        # AWS answers AccessDenied alike for all three causes: the message names each.
        assert org.external_id in e.value.message and "481633624848" in e.value.message
    assert not organizations.get_organization(org.uuid).linked


def test_role_without_the_external_id_condition_is_refused(platform):
    org = organizations.create_organization("acme")
    arn = make_role(account(), {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::481633624848:root"},
        "Action": "sts:AssumeRole"}]})
    with pytest.raises(linking.LinkError) as e:
        linking.link_manually(org, OTHER_ACCOUNT, arn, "us-east-1")
    assert "without requiring the External ID" in e.value.message
    assert not organizations.get_organization(org.uuid).linked
