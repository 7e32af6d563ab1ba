"""The AWS regions the platform works in: where its images are shared, where workspaces and
accounts may be linked. The one list every concept reads."""
from __future__ import annotations

REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2")
