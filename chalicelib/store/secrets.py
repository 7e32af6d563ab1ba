"""The platform's signing secret (API tokens, sessions, CSRF): CORRAL_JWT_SECRET if set (local
mode, tests), else the Secrets Manager secret named by CORRAL_JWT_SECRET_ARN (production),
fetched once per process."""
from __future__ import annotations

import functools

import boto3

from ..kernel import config

MIN_LENGTH = 32


def signing_secret() -> str:
    s = config.get()
    secret = s.jwt_secret or (_fetch(s.jwt_secret_arn) if s.jwt_secret_arn else "")
    if len(secret) < MIN_LENGTH:
        raise RuntimeError("CORRAL_JWT_SECRET (or the secret CORRAL_JWT_SECRET_ARN names) must "
                           f"be at least {MIN_LENGTH} characters")
    return secret


@functools.lru_cache(maxsize=None)
def _fetch(arn: str) -> str:
    """One GetSecretValue per ARN per process (a failure is not cached: the next call retries).
    The region is the secret's own, read from its ARN."""
    parts = arn.split(":")  # arn:aws:secretsmanager:<region>:<account>:secret:<name>
    region = parts[3] if len(parts) > 3 and parts[3] else config.get().region
    client = boto3.session.Session().client("secretsmanager", region_name=region)
    return client.get_secret_value(SecretId=arn)["SecretString"]
