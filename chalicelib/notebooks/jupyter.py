"""The scripts SSM runs on a notebook's node, and what is read from their outcomes. Pure: no
I/O.

Written for the real node (the cluster's Bodo image on AWS: Jupyter Server, python3 and the
node's EFS mount at /shared). `start` starts Jupyter once (a retry finds it running and only
says its port): on the node's private address, JUPYTER_PORT, the shared file system as its
root (hidden files shown: the cluster's hostfile is one), the notebook's token required for
everything. `probe` asks Jupyter's API with that token over HTTP on the node and checks that
the node sees /shared and the cluster's hostfile. Each prints a one-line verdict last and
exits non-zero on failure. Verdicts name no path under /shared (the local emulator rewrites
such paths); the probe's names the address Jupyter answered at, which is what users are sent
to."""
from __future__ import annotations

import re
import shlex

from ..cloud.ssm import Outcome

JUPYTER_PORT = 8888
STARTED = re.compile(r"jupyter listening on port (\d{1,5})")
# What the probe reports: Jupyter's address as the node reached it (no user, query or path).
ANSWERING = re.compile(r"jupyter answering at (https?://[A-Za-z0-9.\-]+|https?://\[[0-9A-Fa-f:.]+\])"
                       r":(\d{1,5})/(?:;|$)")
_TOKEN = re.compile(r"[0-9a-f]{32,128}")

# The port of the Jupyter server running on the node, read from the file the server writes in
# its runtime folder (one JSON key a line); a file whose process is gone does not count.
_PORT_OF = "\n".join([
    "port_of() {",
    '  for f in "$JUPYTER_RUNTIME_DIR"/jpserver-*.json; do',
    '    [ -r "$f" ] || continue',
    "    pid=$(sed -n 's/^ *\"pid\": \\([0-9]*\\),*$/\\1/p' \"$f\")",
    '    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || continue',
    "    sed -n 's/^ *\"port\": \\([0-9]*\\),*$/\\1/p' \"$f\"",
    "    return",
    "  done",
    "}",
])


def _token(token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise ValueError("a notebook token is 32-128 hexadecimal characters")
    return token


def start(private_ip: str, token: str) -> str:
    """Start Jupyter Server on the node unless it runs already; print its port."""
    return "\n".join([
        "set -u",
        'export HOME="${HOME:-/root}"',
        f"export JUPYTER_TOKEN={_token(token)}",
        'log="$HOME/corral-jupyter.log"',
        'export JUPYTER_RUNTIME_DIR="$HOME/.corral-jupyter"',
        _PORT_OF,
        "port=$(port_of)",
        'if [ -z "$port" ]; then',
        "  mountpoint -q /shared || { echo 'not started: the shared file system is not "
        "mounted'; exit 1; }",
        "  cd /shared",
        "  nohup jupyter server --no-browser --allow-root "
        f"--ServerApp.ip={shlex.quote(private_ip)} --ServerApp.port={JUPYTER_PORT} "
        "--ServerApp.port_retries=0 --ServerApp.root_dir=/shared "
        '--ContentsManager.allow_hidden=True >"$log" 2>&1 </dev/null &',
        "  started=$!",
        "  for attempt in $(seq 600); do",
        '    port=$(port_of); [ -n "$port" ] && break',
        '    kill -0 "$started" 2>/dev/null || break',
        "    sleep 0.2",
        "  done",
        "fi",
        '[ -n "$port" ] || { echo "jupyter did not start: $(grep . "$log" | tail -n 1)"; '
        "exit 1; }",
        'echo "jupyter listening on port $port"',
    ])


def probe(private_ip: str, port: int, token: str, hostfile: str) -> str:
    """Jupyter's API answers with the token on its port; /shared and the hostfile are seen."""
    url = f"http://{private_ip}:{int(port)}/"
    return "\n".join([
        "set -u",
        "fail=''",
        "mountpoint -q /shared || fail=\"$fail the shared file system is not mounted;\"",
        f"[ -r {shlex.quote(hostfile)} ] || fail=\"$fail the hostfile of the cluster is not "
        "visible;\"",
        "code=$(python3 -c 'import sys, urllib.request",
        "request = urllib.request.Request(sys.argv[1] + \"api/status\",",
        "                                 headers={\"Authorization\": \"token \" + sys.argv[2]})",
        "try:",
        "    print(urllib.request.urlopen(request, timeout=10).status)",
        "except Exception as e:",
        "    print(getattr(e, \"code\", None) or type(e).__name__)' "
        f"{shlex.quote(url)} {_token(token)})",
        f"[ \"$code\" = 200 ] || fail=\"$fail jupyter answered $code at {url};\"",
        '[ -z "$fail" ] || { echo "not ready:$fail"; exit 1; }',
        f"echo 'jupyter answering at {url}; the shared file system mounted, the hostfile of "
        "the cluster visible'",
    ])


def started_port(outcome: Outcome) -> int | None:
    m = STARTED.search(outcome.verdict)
    port = int(m.group(1)) if m else 0
    return port if 0 < port < 65536 else None


def answered_url(outcome: Outcome) -> str | None:
    """The address Jupyter answered at, as the probe printed it: scheme, host and port."""
    m = ANSWERING.search(outcome.verdict)
    if not m or not 0 < int(m.group(2)) < 65536:
        return None
    return f"{m.group(1)}:{int(m.group(2))}/"
