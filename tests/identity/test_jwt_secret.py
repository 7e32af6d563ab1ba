"""The JWT signing key: CORRAL_JWT_SECRET wins (local mode, tests); otherwise production's
Secrets Manager secret (CORRAL_JWT_SECRET_ARN) is fetched once per process."""
from __future__ import annotations

import pytest
from moto import mock_aws

from chalicelib.identity import tokens
from chalicelib.identity.clients import Client
from chalicelib.kernel import config
from chalicelib.store import secrets

KEY = "k" * 64


@pytest.fixture
def env(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CORRAL_JWT_SECRET", raising=False)
    monkeypatch.delenv("CORRAL_JWT_SECRET_ARN", raising=False)

    def fresh():
        config.reset()
        secrets._fetch.cache_clear()

    fresh()
    yield monkeypatch
    fresh()


def _secret_arn(value: str, region: str = "eu-west-1") -> str:
    import boto3
    sm = boto3.client("secretsmanager", region_name=region)
    return sm.create_secret(Name="corral-jwt", SecretString=value)["ARN"]


@mock_aws
def test_secret_is_fetched_from_secrets_manager_once_and_cached(env):
    arn = _secret_arn(KEY)          # another region than the platform's: read from the ARN
    env.setenv("CORRAL_JWT_SECRET_ARN", arn)
    config.reset()

    assert secrets.signing_secret() == KEY
    import boto3
    boto3.client("secretsmanager", region_name="eu-west-1").put_secret_value(
        SecretId=arn, SecretString="changed" * 10)
    assert secrets.signing_secret() == KEY  # cached for the process: no second GetSecretValue

    client = Client(client_id="c1", secret_sha256="", organization_uuid="org",
                    workspace_uuid="ws", name="", created_at=0.0)
    claims = tokens.verify(tokens.issue(client))
    assert (claims.client_id, claims.workspace_uuid) == ("c1", "ws")


@mock_aws
def test_environment_secret_wins_and_secrets_manager_is_not_called(env):
    env.setenv("CORRAL_JWT_SECRET", KEY)
    env.setenv("CORRAL_JWT_SECRET_ARN",
               "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf")
    config.reset()
    assert secrets.signing_secret() == KEY


@mock_aws
def test_short_or_missing_secret_is_refused(env):
    config.reset()
    with pytest.raises(RuntimeError, match="at least 32"):
        secrets.signing_secret()
    env.setenv("CORRAL_JWT_SECRET_ARN", _secret_arn("too-short"))
    config.reset()
    with pytest.raises(RuntimeError, match="at least 32"):
        secrets.signing_secret()
