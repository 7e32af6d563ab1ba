"""The tags Corral puts on everything it creates, and the filters that find those things again."""
from __future__ import annotations

ORG = "corral:organization"
WORKSPACE = "corral:workspace"
CLUSTER = "corral:cluster"
# A notebook node carries its cluster's tags (the manual: a notebook is one of its cluster's
# resources, removed with it; the reconciler sees it as the cluster's) and this one besides:
# the cluster's own look-ups for its nodes leave such instances out (is_notebook_node).
NOTEBOOK = "corral:notebook"
ROLE = "corral:role"
# What is global (a notebook's CloudFront entry point) also names the region it serves, so
# that region's cleanup and reconciler find it among the account's others.
REGION = "corral:region"


def tag_list(tags: dict[str, str]) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def spec(resource_type: str, tags: dict[str, str]) -> dict:
    return {"ResourceType": resource_type, "Tags": tag_list(tags)}


def filters(tags: dict[str, str]) -> list[dict]:
    return [{"Name": f"tag:{k}", "Values": [v]} for k, v in tags.items()]


def of(resource: dict, key: str = "Tags") -> dict[str, str]:
    """A described resource's tags as a dict."""
    return {x["Key"]: x["Value"] for x in resource.get(key) or []}


def is_notebook_node(instance: dict) -> bool:
    return NOTEBOOK in of(instance)
