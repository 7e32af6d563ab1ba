"""The cluster's own SSH key: MPI (Hydra's ssh launcher) starts ranks on the other nodes over
SSH, as root (SSM's commands) and as `bodo` (jobs), so every node of a cluster trusts one key
made for that cluster alone. It is a secret of the organization's (SSM Parameter Store, under
the organization's prefix), read by the nodes at boot through the node role, and deleted with
the cluster. The user's own key (sshPublicKey) only lets the user in; it is not this one."""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..org_network import machine as org_net
from .machine import Cluster


def parameter_name(s: Cluster) -> str:
    prefix = (s.network or {}).get("secrets_prefix") or org_net.secrets_prefix(s.organization_uuid)
    return f"{prefix}clusters/{s.uuid}/ssh-key"


def new_private_key() -> str:
    """A fresh Ed25519 key in OpenSSH's format (the nodes derive its public half)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption()).decode()
