"""Fixtures for the local AWS emulator tests: dummy credentials, moto, accounts."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from moto import mock_aws

# The repository root, so `import local` works however pytest is launched.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from local.accounts import (  # noqa: E402
    DEMO_CUSTOMER_ACCOUNT_ID,
    PLATFORM_ACCOUNT_ID,
    bootstrap_account,
)
from local.moto_ext import install  # noqa: E402

REGION = "us-east-1"
# The first of moto's default AMIs, present in every account and region.
DEFAULT_AMI = "ami-03cf127a"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "default_amis: let moto load its ~1300 default AMIs per backend (slow)"
    )


@pytest.fixture(autouse=True)
def aws_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials; moto's default AMIs only for tests marked default_amis."""
    if request.node.get_closest_marker("default_amis") is None:
        monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("MOTO_ACCOUNT_ID", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def aws() -> Iterator[None]:
    install()
    with mock_aws():
        yield


Client = Callable[..., Any]


@functools.lru_cache(maxsize=1)
def _session() -> boto3.Session:
    """One boto3 session for every test: its loader caches service models,
    which would otherwise be re-read from disk for each test (moto resets
    boto3's default session).  Credentials are passed per client."""
    return boto3.Session()


def make_client(creds: dict[str, str], endpoint_url: str | None = None) -> Client:
    def client(service: str, region: str = REGION) -> Any:
        return _session().client(
            service,
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=creds["aws_access_key_id"],
            aws_secret_access_key=creds["aws_secret_access_key"],
            aws_session_token=creds.get("aws_session_token"),
        )

    return client


@pytest.fixture
def platform_aws(aws: None) -> Client:
    """boto3 client factory acting in the platform account."""
    return make_client(bootstrap_account(PLATFORM_ACCOUNT_ID, "platform-admin"))


@pytest.fixture
def customer_aws(aws: None) -> Client:
    """boto3 client factory acting in the demo customer account."""
    return make_client(bootstrap_account(DEMO_CUSTOMER_ACCOUNT_ID, "customer-admin"))


@pytest.fixture
def default_ami() -> str:
    """A moto default AMI id; needs the default_amis marker."""
    return DEFAULT_AMI


@pytest.fixture
def own_ami(customer_aws: Client) -> str:
    """An AMI registered by, and private to, the customer account."""
    return customer_aws("ec2").register_image(Name="customer-own-ami")["ImageId"]


@pytest.fixture
def client_for(aws: None) -> Callable[[dict[str, str]], Client]:
    """Turn a credentials dict (e.g. from AssumeRole) into a client factory."""
    return make_client



SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def node_profile(client: Client, name: str = "corral-node", ssm: bool = True) -> str:
    """An instance profile whose role lets the SSM agent in (unless ``ssm`` is false)."""
    iam = client("iam")
    trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
             '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    if ssm:
        iam.attach_role_policy(RoleName=name, PolicyArn=SSM_CORE_POLICY)
    arn = iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return arn


@pytest.fixture
def ssm_profile(customer_aws: Client) -> str:
    """The ARN of a node instance profile with AmazonSSMManagedInstanceCore."""
    return node_profile(customer_aws)
