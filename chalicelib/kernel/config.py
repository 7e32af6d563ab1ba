"""Deployment configuration, read from the environment (set by .chalice/config.json per stage, or by
the local runner). One place, so no module reads os.environ on its own."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    state_table: str
    events_table: str
    work_queue_url: str
    platform_account_id: str
    region: str
    jwt_secret: str
    token_ttl_seconds: int
    poll_seconds: int
    step_lease_seconds: int
    # Production keeps the JWT signing secret in Secrets Manager: its ARN is set here and
    # tokens fetch the value once per process (used only when jwt_secret is empty).
    jwt_secret_arn: str = ""
    # Sign-up: the platform's public base URL (links in emails; required to send them),
    # the verified SES sender, and whether to also log activation links (local mode only).
    public_url: str = ""
    mail_from: str = "Corral <no-reply@corral.local>"
    mail_echo: bool = False
    # Waiting on AWS: a cluster's nodes are first looked at `boot_seconds` after the launch (a
    # typical boot and SSM registration), its instances' termination `shutdown_seconds` after
    # it began; then at growing waits, never shorter than `poll_seconds`. Local mode's emulated
    # instances boot and stop at once: it sets both to 0.
    boot_seconds: int = 60
    shutdown_seconds: int = 30
    # Jobs may clone file:// git repositories (local mode only: a folder of this machine).
    local_git: bool = False
    # The AWS Marketplace listing: its product code (the subscription events of no other
    # product are taken), and the account and region of the SNS topics the Marketplace
    # publishes them on (aws-mp-subscription-notification-<code>, aws-mp-entitlement-...),
    # the only topics whose messages are accepted. Empty product code: no listing, and the
    # notification endpoint refuses everything.
    marketplace_product_code: str = ""
    marketplace_topic_account: str = "287250355862"
    marketplace_topic_region: str = "us-east-1"
    # A notebook's entry point (CloudFront, cloud/entry_point.py): its address is
    # `entry_scheme`://<the distribution's domain>/, https on AWS (local mode's emulated edge
    # serves plain http on loopback); a CloudFront change (a VPC origin, a distribution) is
    # first looked at `deploy_seconds` after it was made (a typical deployment), then every
    # `poll_seconds`.
    entry_scheme: str = "https"
    deploy_seconds: int = 180


def load() -> Settings:
    env = os.environ
    return Settings(
        state_table=env.get("CORRAL_STATE_TABLE", "corral-state"),
        events_table=env.get("CORRAL_EVENTS_TABLE", "corral-events"),
        work_queue_url=env.get("CORRAL_WORK_QUEUE_URL", ""),
        platform_account_id=env.get("CORRAL_PLATFORM_ACCOUNT_ID", "481633624848"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        jwt_secret=env.get("CORRAL_JWT_SECRET", ""),
        token_ttl_seconds=int(env.get("CORRAL_TOKEN_TTL_SECONDS", "3600")),
        poll_seconds=int(env.get("CORRAL_POLL_SECONDS", "10")),
        step_lease_seconds=int(env.get("CORRAL_STEP_LEASE_SECONDS", "120")),
        jwt_secret_arn=env.get("CORRAL_JWT_SECRET_ARN", ""),
        public_url=env.get("CORRAL_PUBLIC_URL", "").rstrip("/"),
        mail_from=env.get("CORRAL_MAIL_FROM", "Corral <no-reply@corral.local>"),
        mail_echo=env.get("CORRAL_MAIL_ECHO", "") == "1",
        boot_seconds=int(env.get("CORRAL_BOOT_SECONDS", "60")),
        shutdown_seconds=int(env.get("CORRAL_SHUTDOWN_SECONDS", "30")),
        local_git=env.get("CORRAL_LOCAL_GIT", "") == "1",
        marketplace_product_code=env.get("CORRAL_MARKETPLACE_PRODUCT_CODE", ""),
        marketplace_topic_account=env.get("CORRAL_MARKETPLACE_TOPIC_ACCOUNT", "287250355862"),
        marketplace_topic_region=env.get("CORRAL_MARKETPLACE_TOPIC_REGION", "us-east-1"),
        entry_scheme=env.get("CORRAL_ENTRY_SCHEME", "https"),
        deploy_seconds=int(env.get("CORRAL_DEPLOY_SECONDS", "180")),
    )


class ConfigurationError(RuntimeError):
    """A deployed function started without a setting it needs."""


# What a deployed function cannot do without, each with what it is (the merge template sets
# them all: .chalice/merge-template.json, its parameters for the ones an operator chooses).
DEPLOYED = {
    "CORRAL_STATE_TABLE": "the state table's name",
    "CORRAL_EVENTS_TABLE": "the event table's name",
    "CORRAL_WORK_QUEUE_URL": "the work queue's URL",
    "CORRAL_JWT_SECRET_ARN": "the ARN of the secret signing access tokens",
    "CORRAL_PLATFORM_ACCOUNT_ID": "the platform's AWS account id (12 digits)",
    "CORRAL_PUBLIC_URL": "the platform's public https URL (template parameter PublicUrl)",
    "CORRAL_MAIL_FROM": "the SES-verified sender of activation email (parameter MailFrom)",
    "CORRAL_MARKETPLACE_PRODUCT_CODE":
        "the AWS Marketplace product code, empty for no listing (parameter MarketplaceProductCode)",
}
MAY_BE_EMPTY = {"CORRAL_MARKETPLACE_PRODUCT_CODE"}


def deployment_problems(env: Mapping[str, str]) -> list[str]:
    """What is missing or malformed in a deployed function's environment (Lambda sets
    AWS_LAMBDA_FUNCTION_NAME); nothing is asked of tests and local mode."""
    if not env.get("AWS_LAMBDA_FUNCTION_NAME"):
        return []
    problems = [f"{name} ({what}) is not set" for name, what in DEPLOYED.items()
                if name not in env or (not env[name].strip() and name not in MAY_BE_EMPTY)]
    account = env.get("CORRAL_PLATFORM_ACCOUNT_ID", "")
    if account and not re.fullmatch(r"\d{12}", account):
        problems.append(f"CORRAL_PLATFORM_ACCOUNT_ID={account!r} is not a 12-digit account id")
    url = env.get("CORRAL_PUBLIC_URL", "")
    if url and not re.fullmatch(r"https://[^/\s?#]+(/[^\s?#]*)?", url):
        problems.append(f"CORRAL_PUBLIC_URL={url!r} is not an https URL (no query, no fragment)")
    return problems


def check_deployment(env: Mapping[str, str] | None = None) -> None:
    """Refuse to start a deployed function without its settings, naming every one missing."""
    problems = deployment_problems(os.environ if env is None else env)
    if problems:
        raise ConfigurationError("Corral cannot start: " + "; ".join(problems))


_cached: Settings | None = None


def get() -> Settings:
    global _cached
    if _cached is None:
        _cached = load()
    return _cached


def reset() -> None:
    """Forget the cached settings (tests and the local runner change the environment)."""
    global _cached
    _cached = None
