"""Identifiers: every aggregate, task and API client gets a random UUID."""
from __future__ import annotations

import uuid


def new_uuid() -> str:
    return str(uuid.uuid4())
