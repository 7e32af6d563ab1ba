"""The shell script a run is on its cluster's head node (through SSM Run Command), built from
the run's validated spec. Pure: no I/O.

It fetches the source into the run's own folder on /shared (every node sees it there), then
runs `mpiexec -n <TOTAL_CORE_COUNT> -f <hostfile> python <exec file> <args>` in it, with the
run's environment. The command's stdout and stderr are the user's code's (the fetch writes to
stderr only), and SSM writes them to the organization's bucket when the command ends.

Nothing the user typed is evaluated by the shell: every argument, variable value, path and
URL is quoted with `shlex.quote`, so `1; rm -rf /`, `$(...)`, backticks and quotes reach the
program as literal argv entries, and no message the script prints repeats them. A fetch that
fails exits with FETCH_FAILED and says why on its last stderr line."""
from __future__ import annotations

import shlex

from .machine import RunSpec

FETCH_FAILED = 97
RUNS = "/shared/.corral-jobs"


def run_folder(run_uuid: str) -> str:
    return f"{RUNS}/{run_uuid}"


def _git_credentials(src, region: str) -> tuple[list[str], str]:
    """(lines before the clone, what the clone is prefixed with): the token is read on the
    node from Parameter Store (never written in the command) and handed to git by an askpass
    helper through the environment of the clone alone; the helper is gone before the code
    runs."""
    q = shlex.quote
    helper = ('#!/bin/sh\ncase "$1" in Username*) printf "%s\\n" "$CORRAL_GIT_USERNAME" ;; '
              '*) printf "%s\\n" "$CORRAL_GIT_TOKEN" ;; esac\n')
    lines = [f"token=$(aws ssm get-parameter --region {q(region)} --with-decryption --name "
             f"{q(src.credentials)} --query Parameter.Value --output text) || {{ echo "
             f'"corral: the git token could not be read from Parameter Store" >&2; '
             f"exit {FETCH_FAILED}; }}",
             'askpass=$(mktemp)', f"printf '%s' {q(helper)} > \"$askpass\"",
             'chmod 700 "$askpass"']
    prefix = (f'CORRAL_GIT_USERNAME={q(src.username)} CORRAL_GIT_TOKEN="$token" '
              'GIT_ASKPASS="$askpass" GIT_TERMINAL_PROMPT=0 ')
    return lines, prefix


def _fetch(spec: RunSpec, folder: str, region: str) -> list[str]:
    """Lines that leave the code in "$src"."""
    src = spec.source
    q = shlex.quote
    if src.type == "WORKSPACE":
        return [f"src={q(src.location)}",
                f'[ -d "$src" ] || {{ echo "corral: no such folder on /shared" >&2; '
                f'exit {FETCH_FAILED}; }}']
    if src.type == "S3":
        return [f'src={q(folder)}/src', 'mkdir -p "$src"',
                f'aws s3 sync --only-show-errors --region {q(region)} {q(src.location)} "$src" '
                f'>&2 || {{ echo "corral: aws s3 sync failed" >&2; exit {FETCH_FAILED}; }}']
    if src.type == "GIT":
        before, prefix = _git_credentials(src, region) if src.credentials else ([], "")
        clone = f"{prefix}git clone --quiet -- {q(src.location)} \"$src\""
        lines = [f'src={q(folder)}/src',
                 'if [ ! -d "$src/.git" ]; then',
                 '  rm -rf "$src"',
                 *[f"  {line}" for line in before],
                 f'  {clone} >&2; cloned=$?',
                 *(['  rm -f "$askpass"; unset token'] if before else []),
                 f'  [ "$cloned" -eq 0 ] || {{ echo "corral: git clone failed" >&2; '
                 f'exit {FETCH_FAILED}; }}',
                 'fi']
        if src.reference:
            ref = q(src.reference)
            lines.append(f'git -C "$src" checkout --quiet {ref} >&2 || {{ echo "corral: no '
                         f'such reference in the repository" >&2; exit {FETCH_FAILED}; }}')
        return lines
    raise ValueError(f"unknown source type {src.type}")  # pragma: no cover - shapes refuse it


LIVE_SECONDS = 5   # how far behind the live logs in the bucket may be
LOG_CAP = 64 * 1024 * 1024   # bytes of each log kept; past it the log is cut, and says so


def live_keys(log_prefix: str, attempt: int) -> dict[str, str]:
    """Where the head node copies an attempt's growing logs while it runs (and once more at
    its end): {"stdout": key, "stderr": key} in the organization's bucket."""
    base = f"{log_prefix.rstrip('/')}/live/attempt-{attempt}"
    return {"stdout": f"{base}/stdout", "stderr": f"{base}/stderr"}


def _live(bucket: str, keys: dict[str, str], region: str) -> list[str]:
    """A function copying the logs to the bucket (failures said on stderr, never fatal)."""
    q = shlex.quote
    copies = "; ".join(f'aws s3 cp --only-show-errors --region {q(region)} "$logs/{name}" '
                       f"{q(f's3://{bucket}/{key}')} >/dev/null 2>&1"
                       for name, key in keys.items())
    return [f"upload() {{ {copies}; }}"]


def run_script(run_uuid: str, spec: RunSpec, total_cores: int, hostfile: str,
               region: str, bucket: str, log_prefix: str, attempt: int) -> str:
    """Fetch, then run; the output goes to files on /shared (copied to the bucket every few
    seconds while the code runs: the live logs) and, at the end, cut at LOG_CAP bytes each
    (the cut said at the end of the log), to the command's own stdout and stderr (which SSM
    writes to the bucket), with the code's exit code."""
    folder = run_folder(run_uuid)
    q = shlex.quote
    logs = f"{folder}/logs-{int(attempt)}"
    lines = ["set -u", f"mkdir -p {q(folder)}", *_fetch(spec, folder, region), 'cd "$src"']
    lines += [f"export {name}={q(value)}" for name, value in sorted(spec.env.items())]
    argv = " ".join(q(a) for a in spec.args)
    lines += [f"logs={q(logs)}", 'mkdir -p "$logs"', ': > "$logs/stdout"; : > "$logs/stderr"',
              *_live(bucket, live_keys(log_prefix, attempt), region),
              f"( while :; do sleep {LIVE_SECONDS}; upload; done ) & uploader=$!",
              f"mpiexec -n {int(total_cores)} -f {q(hostfile)} python "
              f"{q(spec.exec_file)}{' ' + argv if argv else ''} "
              '>"$logs/stdout" 2>"$logs/stderr"',
              "code=$?",
              'kill "$uploader" 2>/dev/null; wait "$uploader" 2>/dev/null',
              'for f in "$logs/stdout" "$logs/stderr"; do',
              f'  if [ "$(wc -c < "$f")" -gt {LOG_CAP} ]; then truncate -s {LOG_CAP} "$f"; '
              f"printf '\\n[corral: the output was cut at {LOG_CAP} bytes]\\n' >> \"$f\"; fi",
              'done',
              "upload",
              'cat "$logs/stdout"; cat "$logs/stderr" >&2',
              'exit "$code"']
    return "\n".join(lines)
