"""Validating a cluster create looks the instance type and the Bodo version up in the
customer's account (DescribeInstanceTypes, DescribeImages): cached per link like the catalog's
list of types, so creates in a row cost those look-ups once, until the cache ends."""
from __future__ import annotations

from collections import Counter

from bench.counter import counting
from chalicelib.workspaces import catalog

LOOKUPS = (("EC2", "DescribeInstanceTypes"), ("EC2", "DescribeImages"))


def _creates(platform, *fields: dict) -> Counter:
    with counting() as rec:
        for i, f in enumerate(fields):
            platform.create_cluster(name=f"v{i}", **f)
    return Counter(k for k in ((c.service, c.operation) for c in rec.calls) if k in LOOKUPS)


def test_two_creates_in_a_row_look_the_type_and_image_up_once(platform):
    catalog.forget()
    assert _creates(platform, {}, {}) == Counter({LOOKUPS[0]: 1, LOOKUPS[1]: 1})
    # another type is one more type look-up; the images are still known
    assert _creates(platform, {"instanceType": "c5.4xlarge"}) == Counter({LOOKUPS[0]: 1})
    assert _creates(platform, {}, {"instanceType": "c5.4xlarge"}) == Counter()


def test_the_cached_look_ups_end(platform):
    catalog.forget()
    _creates(platform, {})
    platform.clock.advance(catalog.IMAGES_TTL_SECONDS + 1)
    assert _creates(platform, {}) == Counter({LOOKUPS[1]: 1})
    platform.clock.advance(catalog.TYPES_TTL_SECONDS + 1)
    assert _creates(platform, {}) == Counter({LOOKUPS[0]: 1, LOOKUPS[1]: 1})


def test_a_name_that_is_no_type_is_refused_every_time_and_not_kept(platform):
    catalog.forget()
    for _ in range(2):
        reply = platform.request("POST", "/v1/clusters", {"name": "x", "instanceType": "zz9.huge",
                                                          "workersQuantity": 1})
        assert reply.status_code == 400 and "instanceType" in reply.body.decode()
    assert not [k for k in catalog._found if "zz9.huge" in k]


def test_a_version_the_remembered_list_lacks_is_looked_up_again(platform):
    catalog.forget()
    _creates(platform, {})
    (key, (expires, versions)), = [(k, v) for k, v in catalog._found.items() if k[-1] == "images"]
    assert len(versions) > 1
    catalog._found[key] = (expires, versions[:1])   # as if the others were shared since
    older = versions[-1].bodo_version
    assert _creates(platform, {"bodoVersion": older}) == Counter({LOOKUPS[1]: 1})
    assert _creates(platform, {"bodoVersion": older}) == Counter()
