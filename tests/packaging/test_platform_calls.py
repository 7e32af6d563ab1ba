"""The platform's own role allows every AWS call the code makes with the platform's own
credentials (cloud/sessions.platform_client): each `platform_client("<service>", ...)`
call site's operation, as an IAM action (the service's signing name, the operation's name),
is in both stages' policies. A call added without its permission fails here, not on AWS."""
from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r'platform_client\(\s*"([a-z0-9-]+)"[^)]*\)\s*\.\s*([a-z_]+)')
EC2_VAR = re.compile(r'(\w+)\s*=\s*platform_client\(\s*"([a-z0-9-]+)"')


def _calls() -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        text = path.read_text()
        found |= set(CALL.findall(text))
    return found


def _action(service: str, method: str) -> str:
    model = botocore.session.get_session().get_service_model(service)
    prefix = model.metadata.get("signingName") or model.metadata["endpointPrefix"]
    names = {botocore.xform_name(op): op for op in model.operation_names}
    return f"{prefix}:{names[method]}"


def _allowed(stage: str) -> set[str]:
    policy = json.loads((ROOT / f".chalice/policy-{stage}.json").read_text())
    out = set()
    for st in policy["Statement"]:
        actions = st["Action"]
        out |= set(actions if isinstance(actions, list) else [actions])
    return out


def test_the_scan_finds_the_platforms_own_calls():
    calls = _calls()
    assert ("ses", "send_email") in calls and ("meteringmarketplace", "batch_meter_usage") in calls
    assert ("sts", "assume_role") in calls


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_call_with_the_platforms_credentials_is_allowed(stage):
    allowed = _allowed(stage)
    missing = sorted({_action(s, m) for s, m in _calls()} - allowed)
    assert not missing, f"policy-{stage}.json lacks {missing}"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_images_are_shared_only_if_the_platform_owns_them(stage):
    policy = json.loads((ROOT / f".chalice/policy-{stage}.json").read_text())
    [share] = [s for s in policy["Statement"] if "ec2:ModifyImageAttribute" in s["Action"]]
    assert share["Condition"] == {"StringEquals": {"ec2:Owner": "${aws:PrincipalAccount}"}}
