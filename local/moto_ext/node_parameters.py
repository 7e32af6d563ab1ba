"""What a node reads from SSM Parameter Store with `aws ssm get-parameter`, locally.

A script on a real node reads the organization's secrets (a job's git token) with the AWS CLI
and the node role's credentials, from the instance metadata. An emulated node is a process of
this machine that cannot reach an in-process emulator: so, when SSM Run Command starts a
script on a node (ssm_commands), every `aws ssm get-parameter ... --name NAME` the script
holds is looked up in the account's Parameter Store, as the node would, and its value put in
the node's own folder; the node's `aws` tool answers `ssm get-parameter ... --query
Parameter.Value --output text` from there, and anything else with the CLI's usage error. A
parameter that does not exist is not staged: the tool then fails as the CLI does
(ParameterNotFound, exit 254). The node role must be allowed to read it on AWS: the
organization's node role may read the organization's prefix (cloud/node_role.py)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

_GET = re.compile(r"aws\s+ssm\s+get-parameter\b[^\n;|&)]*?--name[ =]([^\s;|&)]+)")

SHIM = """#!/bin/sh
# emulated AWS CLI: `aws ssm get-parameter --name NAME [--with-decryption] [--region R]
# --query Parameter.Value --output text` from the values staged for this node.
if [ "$1 $2" != "ssm get-parameter" ]; then
  echo "aws: this emulated node knows only 'aws ssm get-parameter'" >&2; exit 252
fi
name=""
while [ $# -gt 0 ]; do
  case "$1" in --name) name="$2"; shift ;; --name=*) name="${1#--name=}" ;; esac
  shift
done
file="$(dirname "$0")/../parameters/$(printf '%s' "$name" | tr '/' '%')"
if [ ! -f "$file" ]; then
  echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2
  exit 254
fi
cat "$file"; echo
"""


def stage(node_root: Path, node_bin: Path, script: str, account_id: str, region: str) -> None:
    """Put the values of the parameters `script` reads where the node's `aws` tool finds
    them, and that tool in the node's bin."""
    from moto.ssm.models import ssm_backends
    names = {shlex.split(m.group(1))[0] for m in _GET.finditer(script)}
    if not names:
        return
    folder = node_root / "parameters"
    folder.mkdir(parents=True, exist_ok=True)
    backend: Any = ssm_backends[account_id][region]
    for name in names:
        parameter = backend.get_parameter(name)
        target = folder / name.replace("/", "%")
        if parameter is None:
            target.unlink(missing_ok=True)
            continue
        value = parameter.decrypt(parameter.value) or parameter.value
        target.write_text(value)
        target.chmod(0o600)
    tool = node_bin / "aws"
    tool.write_text(SHIM)
    tool.chmod(0o755)
