"""Access tokens: HS256 JWTs (PyJWT) carrying what the official SDK reads (`tenantId`, `exp`)
and what the API needs to scope a request (organization, workspace, client)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import jwt

from . import clock, settings
from .cloud.sessions import platform_client
from .identity import Client

ISSUER = "corral"
ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Claims:
    client_id: str
    organization_uuid: str
    workspace_uuid: str | None
    scope: str


def _secret() -> str:
    """The HS256 key: CORRAL_JWT_SECRET if set (local mode, tests), else the Secrets Manager
    secret named by CORRAL_JWT_SECRET_ARN (production), fetched once per process."""
    s = settings.get()
    secret = s.jwt_secret or (_fetch_secret(s.jwt_secret_arn) if s.jwt_secret_arn else "")
    if len(secret) < 32:
        raise RuntimeError("CORRAL_JWT_SECRET (or the secret CORRAL_JWT_SECRET_ARN names) must "
                           "be at least 32 characters")
    return secret


@functools.lru_cache(maxsize=None)
def _fetch_secret(arn: str) -> str:
    """One GetSecretValue per ARN per process (a failure is not cached: the next call retries).
    The region is the secret's own, read from its ARN."""
    parts = arn.split(":")  # arn:aws:secretsmanager:<region>:<account>:secret:<name>
    region = parts[3] if len(parts) > 3 and parts[3] else settings.get().region
    return platform_client("secretsmanager", region).get_secret_value(
        SecretId=arn)["SecretString"]


def issue(client: Client) -> str:
    now = int(clock.now())
    claims = {"iss": ISSUER, "sub": client.client_id, "iat": now,
              "exp": now + settings.get().token_ttl_seconds,
              "org": client.organization_uuid, "scope": client.scope}
    if client.workspace_uuid:
        claims["tenantId"] = client.workspace_uuid
    return jwt.encode(claims, _secret(), algorithm=ALGORITHM)


def verify(token: str) -> Claims:
    try:
        c = jwt.decode(token, _secret(), algorithms=[ALGORITHM], issuer=ISSUER,
                       options={"require": ["exp", "iat", "sub", "org"], "verify_exp": False,
                                "verify_iat": False, "verify_nbf": False})
    except jwt.PyJWTError as e:
        raise InvalidToken(str(e)) from e
    if c["exp"] <= clock.now():  # checked against the injectable clock, not the wall clock
        raise InvalidToken("token expired")
    return Claims(c["sub"], c["org"], c.get("tenantId"), c.get("scope", ""))
