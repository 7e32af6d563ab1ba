"""A deployed function (Lambda sets AWS_LAMBDA_FUNCTION_NAME) refuses to start without the
settings the merge template wires in, naming every one missing or malformed; tests and local
mode, which run on defaults, are not asked."""
from __future__ import annotations

import pytest

from chalicelib.kernel.config import DEPLOYED, ConfigurationError, check_deployment

GOOD = {"AWS_LAMBDA_FUNCTION_NAME": "corral-prod-APIHandler",
        "CORRAL_STATE_TABLE": "corral-prod-state", "CORRAL_EVENTS_TABLE": "corral-prod-events",
        "CORRAL_WORK_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/corral-prod-work",
        "CORRAL_JWT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
        "CORRAL_PLATFORM_ACCOUNT_ID": "111122223333",
        "CORRAL_PUBLIC_URL": "https://corral.example.com",
        "CORRAL_MAIL_FROM": "Corral <no-reply@example.com>",
        "CORRAL_MARKETPLACE_PRODUCT_CODE": ""}


def test_a_complete_deployment_starts():
    check_deployment(GOOD)
    check_deployment({**GOOD, "CORRAL_PUBLIC_URL": "https://x.execute-api.us-east-1.amazonaws.com/api",
                      "CORRAL_MARKETPLACE_PRODUCT_CODE": "abc123"})


def test_local_mode_and_tests_are_not_asked():
    check_deployment({})
    check_deployment({k: v for k, v in GOOD.items() if k != "AWS_LAMBDA_FUNCTION_NAME"} | {
        "CORRAL_PUBLIC_URL": ""})


@pytest.mark.parametrize("name", sorted(DEPLOYED))
def test_each_missing_setting_is_named(name):
    env = {k: v for k, v in GOOD.items() if k != name}
    with pytest.raises(ConfigurationError) as error:
        check_deployment(env)
    assert str(error.value) == f"Corral cannot start: {name} ({DEPLOYED[name]}) is not set"


def test_an_empty_setting_is_missing_but_the_product_code_may_be_empty():
    with pytest.raises(ConfigurationError, match="CORRAL_MAIL_FROM .* is not set"):
        check_deployment({**GOOD, "CORRAL_MAIL_FROM": " "})


def test_every_problem_is_named_at_once():
    env = {"AWS_LAMBDA_FUNCTION_NAME": "f", "CORRAL_PLATFORM_ACCOUNT_ID": "4816",
           "CORRAL_PUBLIC_URL": "http://corral.example.com"}
    with pytest.raises(ConfigurationError) as error:
        check_deployment(env)
    message = str(error.value)
    for name in set(DEPLOYED) - set(env):
        assert f"{name} (" in message, name
    assert "CORRAL_PLATFORM_ACCOUNT_ID='4816' is not a 12-digit account id" in message
    assert "CORRAL_PUBLIC_URL='http://corral.example.com' is not an https URL" in message


@pytest.mark.parametrize("url", ["https://corral.example.com/?next=/", "https://", "corral.example.com",
                                 "https://corral.example.com/#top"])
def test_a_public_url_that_is_not_a_plain_https_url_is_refused(url):
    with pytest.raises(ConfigurationError, match="CORRAL_PUBLIC_URL=.* is not an https URL"):
        check_deployment({**GOOD, "CORRAL_PUBLIC_URL": url})
