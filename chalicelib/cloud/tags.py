"""The tags Corral puts on everything it creates, and the filters that find those things again."""
from __future__ import annotations

ORG = "corral:organization"
WORKSPACE = "corral:workspace"
CLUSTER = "corral:cluster"
ROLE = "corral:role"


def tag_list(tags: dict[str, str]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def spec(resource_type: str, tags: dict[str, str]) -> dict:
    return {"ResourceType": resource_type, "Tags": tag_list(tags)}


def filters(tags: dict[str, str]) -> list[dict]:
    return [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]
