"""What a node reads with the AWS CLI, locally: `aws ssm get-parameter` and `aws s3 sync`.

A script on a real node reads the organization's secrets (a job's git token) and S3 objects (a
job's code) with the AWS CLI and the node role's credentials, from the instance metadata. An
emulated node is a process of this machine that cannot reach an in-process emulator: so, when
SSM Run Command starts a script on a node (ssm_commands), what the script's `aws ssm
get-parameter ... --name NAME` and `aws s3 sync s3://BUCKET/PREFIX DEST` name is looked up in
the account, as the node would, and put in the node's own folder; the node's `aws` tool
answers those two from there, and anything else with the CLI's usage error. `aws s3 cp FILE
s3://BUCKET/KEY` (a job's live logs) goes into the node's outbox, which the emulator moves
into the bucket whenever the command is looked at through SSM (`flush`), and at its end. What does not
exist is not staged: the tool then fails as the CLI does (ParameterNotFound, exit 254; a
missing bucket, exit 1). On AWS the node role must be allowed to read them: the organization's
secrets prefix and S3 objects (cloud/node_role.py)."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

_GET = re.compile(r"aws\s+ssm\s+get-parameter\b[^\n;|&)]*?--name[ =]([^\s;|&)]+)")
_SYNC = re.compile(r"aws\s+s3\s+sync\b[^\n;|&)]*?(s3://[^\s;|&)]+)")

SHIM = """#!/bin/sh
# emulated AWS CLI: `aws ssm get-parameter --name NAME [--with-decryption] [--region R]
# --query Parameter.Value --output text` and `aws s3 sync s3://BUCKET/PREFIX DEST [options]`,
# from what was staged for this node; `aws s3 cp FILE s3://BUCKET/KEY` into its outbox.
staged="$(dirname "$0")/../staged"
if [ "$1 $2" = "s3 cp" ]; then
  # a local file to s3://BUCKET/KEY: into the node's outbox, which the emulator moves to S3
  shift 2
  src=""; dest=""; skip=""
  for a in "$@"; do
    if [ -n "$skip" ]; then skip=""; continue; fi
    case "$a" in --region|--profile) skip=1 ;; --*) ;; s3://*) dest="${a#s3://}" ;; *) src="$a" ;; esac
  done
  [ -f "$src" ] || { echo "The user-provided path $src does not exist." >&2; exit 255; }
  outbox="$(dirname "$0")/../outbox"; mkdir -p "$outbox"
  name="$(printf '%s' "$dest" | tr '/' '%')"
  cp "$src" "$outbox/.$name.tmp" && mv -f "$outbox/.$name.tmp" "$outbox/$name"
  exit $?
fi
if [ "$1 $2" = "s3 sync" ]; then
  shift 2
  src=""; dest=""
  for a in "$@"; do
    case "$a" in --*) ;; s3://*) src="${a#s3://}" ;; *) [ -n "$src" ] && [ -z "$dest" ] && dest="$a" ;; esac
  done
  from="$staged/s3/$(printf '%s' "$src" | tr '/' '%')"
  if [ ! -d "$from" ]; then
    echo "fatal error: An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation" >&2
    exit 1
  fi
  mkdir -p "$dest" && cp -R "$from/." "$dest/"
  exit $?
fi
if [ "$1 $2" != "ssm get-parameter" ]; then
  echo "aws: this emulated node knows only 'aws ssm get-parameter' and 'aws s3 sync'" >&2
  exit 252
fi
name=""
while [ $# -gt 0 ]; do
  case "$1" in --name) name="$2"; shift ;; --name=*) name="${1#--name=}" ;; esac
  shift
done
file="$staged/parameters/$(printf '%s' "$name" | tr '/' '%')"
if [ ! -f "$file" ]; then
  echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: " >&2
  exit 254
fi
cat "$file"; echo
"""


def flush(node_root: Path, account_id: str) -> None:
    """Move what the node copied to S3 (`aws s3 cp`, its outbox) into the account's buckets.
    Each file is claimed by a rename first: a newer copy the node makes meanwhile waits for
    the next flush instead of being lost."""
    from moto.s3.models import s3_backends
    outbox = node_root / "outbox"
    if not outbox.is_dir():
        return
    backend = s3_backends[account_id]["aws"]
    for path in sorted(outbox.iterdir()):
        if path.name.startswith("."):
            continue
        claimed = path.with_name("." + path.name + ".flushing")
        try:
            path.rename(claimed)
        except FileNotFoundError:
            continue
        bucket, _, key = path.name.partition("%")
        try:
            backend.put_object(bucket, key.replace("%", "/"), claimed.read_bytes())
        except Exception:  # noqa: BLE001 - a missing bucket: the copy is lost, as the CLI's
            pass
        claimed.unlink(missing_ok=True)


def stage(node_root: Path, node_bin: Path, script: str, account_id: str, region: str) -> None:
    """Put what `script` reads with the CLI where the node's `aws` tool finds it, and that
    tool in the node's bin."""
    names = {shlex.split(m.group(1))[0] for m in _GET.finditer(script)}
    syncs = {shlex.split(m.group(1))[0] for m in _SYNC.finditer(script)}
    if not names and not syncs and "aws s3 cp" not in script:
        return
    staged = node_root / "staged"
    for name in names:
        _parameter(staged / "parameters", name, account_id, region)
    for url in syncs:
        _objects(staged / "s3", url.removeprefix("s3://"), account_id)
    tool = node_bin / "aws"
    tool.write_text(SHIM)
    tool.chmod(0o755)


def _parameter(folder: Path, name: str, account_id: str, region: str) -> None:
    from moto.ssm.models import ssm_backends
    folder.mkdir(parents=True, exist_ok=True)
    parameter = ssm_backends[account_id][region].get_parameter(name)
    target = folder / name.replace("/", "%")
    if parameter is None:
        target.unlink(missing_ok=True)
        return
    target.write_text(parameter.decrypt(parameter.value) or parameter.value)
    target.chmod(0o600)


def _objects(folder: Path, location: str, account_id: str) -> None:
    """Every object under s3://location, as files under the staged folder of that location."""
    from moto.s3.models import s3_backends
    bucket_name, _, prefix = location.partition("/")
    target = folder / location.replace("/", "%")
    shutil.rmtree(target, ignore_errors=True)
    try:
        bucket = s3_backends[account_id]["aws"].get_bucket(bucket_name)
    except Exception:  # noqa: BLE001 - no such bucket: nothing staged, the tool says so
        return
    target.mkdir(parents=True)
    base = prefix.rstrip("/") + "/" if prefix else ""
    for key, obj in bucket.keys.items():
        if key.startswith(base) and not key.endswith("/"):
            path = target / key[len(base):]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(obj.value)
