"""Access tokens: HS256 JWTs (PyJWT) carrying what the official SDK reads (`tenantId`, `exp`)
and what the API needs to scope a request (organization, workspace, client)."""
from __future__ import annotations

from dataclasses import dataclass

from ..kernel import clock, config
from ..store.secrets import signing_secret
from .clients import Client

ISSUER = "corral"
ALGORITHM = "HS256"


def jwt():
    """PyJWT, imported on the first token made or checked: when `cryptography` is installed
    (the dev environment has it, the Lambda package does not) PyJWT imports it whole for the
    RSA and EC algorithms, which Corral never uses; the worker and the tick need neither."""
    import jwt as pyjwt
    return pyjwt


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Claims:
    client_id: str
    organization_uuid: str
    workspace_uuid: str | None
    scope: str


def issue(client: Client) -> str:
    now = int(clock.now())
    claims = {"iss": ISSUER, "sub": client.client_id, "iat": now,
              "exp": now + config.get().token_ttl_seconds,
              "org": client.organization_uuid, "scope": client.scope}
    if client.workspace_uuid:
        claims["tenantId"] = client.workspace_uuid
    return jwt().encode(claims, signing_secret(), algorithm=ALGORITHM)


def verify(token: str) -> Claims:
    try:
        c = jwt().decode(token, signing_secret(), algorithms=[ALGORITHM], issuer=ISSUER,
                       options={"require": ["exp", "iat", "sub", "org"], "verify_exp": False,
                                "verify_iat": False, "verify_nbf": False})
    except jwt().PyJWTError as e:
        raise InvalidToken(str(e)) from e
    if c["exp"] <= clock.now():  # checked against the injectable clock, not the wall clock
        raise InvalidToken("token expired")
    return Claims(c["sub"], c["org"], c.get("tenantId"), c.get("scope", ""))
