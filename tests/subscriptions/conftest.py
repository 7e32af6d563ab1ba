"""The SNS host the tests play (sns_host.py), installed as the platform's transport."""
from __future__ import annotations

import pytest

from chalicelib.cloud import sns_http
from chalicelib.subscriptions import sns

from .sns_host import FakeSns


@pytest.fixture
def fake_sns(platform):
    host = FakeSns(platform.clock())
    sns.forget_certificates()
    sns_http.set_transport(host.transport)
    yield host
    sns_http.set_transport(None)
    sns.forget_certificates()
