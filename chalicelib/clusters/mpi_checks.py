"""The MPI-readiness checks a cluster passes before it is RUNNING (machine.MPI_CHECKS), as the
shell scripts SSM runs on its nodes and the verdicts read from their outcomes. Pure: no I/O.

The scripts are written for the real nodes (the Bodo image on AWS): the organization's EFS
at /shared, `mountpoint`, libfabric's `fi_info` for EFA, `mpiexec` on the PATH. Each prints
a one-line verdict last (SSM's listing keeps 2,500 characters of output), and exits non-zero
when the check fails. Verdicts name no path under /shared (the local emulator rewrites such
paths to its folders)."""
from __future__ import annotations

from dataclasses import dataclass

from ..cloud.ssm import Outcome
from . import machine as c
from .machine import Cluster


@dataclass(frozen=True)
class Check:
    targets: list[str]     # instance ids the script runs on
    script: str


def hostfile_lines(s: Cluster) -> list[str]:
    """One line per node, head node first: `<private ip>:<cores per worker>`."""
    return [f"{n['private_ip']}:{s.spec.cores_per_worker}" for n in s.nodes]


def head(s: Cluster) -> str:
    return s.nodes[0]["instance_id"]


def _hostfile(s: Cluster) -> str:
    path, lines = c.hostfile_path(s.uuid), hostfile_lines(s)
    body = "\\n".join(lines)
    # Written whole or not at all (a retry after a crash writes the same file again).
    return "\n".join([
        "set -eu",
        f"tmp=$(mktemp {path}.XXXXXX)",
        f"printf '{body}\\n' > \"$tmp\"",
        "chmod 644 \"$tmp\"",
        f"mv -f \"$tmp\" {path}",
        f"echo \"hostfile written: $(wc -l < {path}) line(s)\"",
    ])


def _nodes(s: Cluster) -> str:
    path, count = c.hostfile_path(s.uuid), len(s.nodes)
    lines = [
        "fail=''",
        "mountpoint -q /shared || fail=\"$fail the shared file system is not mounted;\"",
        f"[ -r {path} ] && [ \"$(wc -l < {path})\" -eq {count} ] || "
        f"fail=\"$fail the hostfile is not readable with {count} line(s);\"",
    ]
    if s.spec.accelerated_networking:
        lines.append("fi_info -p efa >/dev/null 2>&1 || ls /sys/class/infiniband 2>/dev/null | "
                     "grep -q efa || fail=\"$fail no EFA device;\"")
    efa = ", EFA device present" if s.spec.accelerated_networking else ""
    lines += ["[ -z \"$fail\" ] || { echo \"not ready:$fail\"; exit 1; }",
              f"echo 'shared file system mounted, hostfile readable{efa}'"]
    return "\n".join(lines)


def _mpiexec(s: Cluster) -> str:
    total, path = c.total_core_count(s), c.hostfile_path(s.uuid)
    return "\n".join([
        f"out=$(mpiexec -n {total} -f {path} hostname 2>&1) || "
        "{ echo \"mpiexec failed: $(printf '%s\\n' \"$out\" | grep . | tail -n 1)\"; exit 1; }",
        "lines=$(printf '%s\\n' \"$out\" | grep -c .)",
        "hosts=$(printf '%s\\n' \"$out\" | grep . | sort -u | wc -l)",
        f"[ \"$lines\" -eq {total} ] || "
        f"{{ echo \"mpiexec -n {total} answered $lines line(s), not {total}\"; exit 1; }}",
        f"echo \"mpiexec -n {total} answered $lines line(s) from $hosts host(s)\"",
    ])


def check(s: Cluster, name: str) -> Check:
    if name == "hostfile":
        return Check([head(s)], _hostfile(s))
    if name == "nodes":
        return Check([n["instance_id"] for n in s.nodes], _nodes(s))
    if name == "mpiexec":
        return Check([head(s)], _mpiexec(s))
    raise ValueError(f"unknown MPI check {name}")


@dataclass(frozen=True)
class Verdict:
    passed: str | None = None     # the detail, when every node passed
    failure: str | None = None    # the reason, when one failed
    waiting_for: str = ""


def verdict(name: str, outcomes: dict[str, Outcome]) -> Verdict:
    failed = [o for o in outcomes.values() if o.done and not o.ok]
    if failed:
        reasons = "; ".join(f"{o.instance_id}: {o.verdict} ({o.status}, exit {o.code})"
                            for o in failed)
        return Verdict(failure=f"MPI check '{name}' failed on {reasons}")
    running = [o for o in outcomes.values() if not o.done]
    if running:
        return Verdict(waiting_for=f"MPI check '{name}' running on {len(running)} node(s)")
    verdicts = sorted({o.verdict for o in outcomes.values()})
    where = "every node" if len(outcomes) > 1 else "head node"
    return Verdict(passed=f"MPI check '{name}' passed on {where}: {'; '.join(verdicts)}")
