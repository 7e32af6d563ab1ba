"""Benchmark: how many times a launch looks at its nodes before they are ready.

On AWS a node takes one to three minutes to boot and register with SSM. Each look (the
AWAIT_NODES step) is one EC2 DescribeInstances and, once the instances run, one SSM
DescribeInstanceInformation, plus the claim and release of the step and a queue message.
Before issue 8 the first look came right after the launch and then every `poll_seconds` (10 s);
now the first comes after a typical boot (`boot_seconds`, 60 s) and the waits grow (see
chalicelib/clusters/polling.py: poll_offsets).

Two parts: the schedule alone (pure: when the looks fall for nodes ready after N seconds),
then a 2-worker launch through the whole platform on moto with a simulated 180 s boot
(local/moto_ext/boot_time.py: EC2 reports the instances pending for 90 s, SSM lists them from
180 s), counting the AWS calls the platform made on the harness's fake clock."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from unittest import mock

from .counter import counting

TARGET = 4
BOOTS = (60, 120, 180, 300)
OLD_EVERY = 10          # the old schedule: a look at the launch, then every 10 s
SIMULATED_BOOT = 180


def configured_schedule():
    from chalicelib.clusters import polling
    from chalicelib.kernel import config
    s = config.load()
    return (polling.Polling(s.boot_seconds, s.poll_seconds), s)


def looks_until(offsets, ready_at: float, limit: float) -> tuple[int, float | None]:
    """How many looks until one at or after `ready_at` (and when it came), within `limit`."""
    n = 0
    for t in offsets:
        if t > limit:
            return n, None
        n += 1
        if t >= ready_at:
            return n, t


def old_offsets():
    t = 0.0
    while True:
        yield t
        t += OLD_EVERY


@dataclass
class Measured:
    boot: float
    looks: list[float] = field(default_factory=list)   # seconds after the launch
    calls: Counter = field(default_factory=Counter)    # readiness calls: (service, operation)
    running_after: float | None = None                 # seconds from the launch to RUNNING
    status: str = ""


def measure(boot: float = SIMULATED_BOOT, old: bool = False, step: float = 5) -> Measured:
    """A launch through the platform whose nodes take `boot` seconds (fake clock, moved on by
    `step` seconds between rounds of the queue and the tick). `old`: with the schedule as it
    was (boot_seconds 0: a look at once, then every poll_seconds)."""
    import os

    from chalicelib.cloud import fleet
    from local.harness import Platform

    out = Measured(boot)
    saved = os.environ.get("CORRAL_BOOT_SECONDS")
    if old:
        os.environ["CORRAL_BOOT_SECONDS"] = "0"
    try:
        _measure(out, boot, step, fleet, Platform)
    finally:
        if saved is None:
            os.environ.pop("CORRAL_BOOT_SECONDS", None)
        else:
            os.environ["CORRAL_BOOT_SECONDS"] = saved
    return out


def _measure(out: Measured, boot: float, step: float, fleet, Platform) -> None:
    real = fleet.readiness
    launched: list[float] = []

    with Platform(boot_seconds=boot) as p:
        def look(ec2, ssm, ids):
            out.looks.append(p.clock() - launched[0])
            with rec.label("look"):
                return real(ec2, ssm, ids)

        def launch(*args, **kwargs):
            ids = real_launch(*args, **kwargs)
            launched.append(p.clock())
            return ids

        real_launch = fleet.launch
        created = p.create_cluster(name="boot")
        with counting() as rec, mock.patch.object(fleet, "readiness", look), \
                mock.patch.object(fleet, "launch", launch):
            for _ in range(1000):   # settle, noting when the cluster became RUNNING
                p.pump.drain()
                status = p.cluster(created["uuid"])["status"]
                if status in ("RUNNING", "FAILED"):
                    break
                p.clock.advance(step)
                p.pump.tick()
        out.status = status
        out.running_after = p.clock() - launched[0] if launched else None
        out.calls = Counter((c.service, c.operation) for c in rec.calls if c.label.name == "look")


def report(m: Measured, before: Measured | None = None, out=print) -> None:
    from chalicelib.clusters import machine as c
    from chalicelib.clusters import polling
    boot, s = configured_schedule()
    out("=" * 92)
    out("Readiness: looks at a new fleet's nodes until they are ready")
    out("=" * 92)
    out(f"schedule now: first look {s.boot_seconds} s after the launch, then waits growing by "
        f"{polling.POLL_BACKOFF}x from {s.boot_seconds / 2:g} s, at least {s.poll_seconds} s, at most "
        f"{2 * s.boot_seconds} s")
    first = [round(t, 1) for t, _ in zip(polling.poll_offsets(boot), range(8))]
    out(f"  looks at (s after the launch): {', '.join(f'{t:g}' for t in first)}, ...")
    out(f"before: a look at the launch, then every {OLD_EVERY} s")
    out("")
    out(f"{'nodes ready after':<22}{'looks before':>13}{'looks now':>11}{'seen ready (now)':>18}")
    for ready in BOOTS:
        old, _ = looks_until(old_offsets(), ready, c.READINESS_TIMEOUT_SECONDS)
        new, seen = looks_until(polling.poll_offsets(boot), ready, c.READINESS_TIMEOUT_SECONDS)
        out(f"  {ready:>4} s{'':<14}{old:>13}{new:>11}{f'after {seen:g} s':>18}")
    old, _ = looks_until(old_offsets(), float("inf"), c.READINESS_TIMEOUT_SECONDS)
    new, _ = looks_until(polling.poll_offsets(boot), float("inf"), c.READINESS_TIMEOUT_SECONDS)
    out(f"  never (15 min limit){'':<2}{old:>13}{new:>11}")
    out("")
    out(f"Through the platform (moto, 2 workers, a simulated {m.boot:g} s boot, fake clock):")
    for name, r in (("before", before), ("now", m)):
        if r is None:
            continue
        calls = ", ".join(f"{svc}:{op} {n}" for (svc, op), n in sorted(r.calls.items()))
        out(f"  {name:<7}{len(r.looks):>3} looks ({calls}); {r.status} "
            f"{r.running_after:g} s after the launch")
        out(f"         at {', '.join(f'{t:g}' for t in r.looks)} s")
    out(f"readiness on a simulated {m.boot:g} s boot: {len(m.looks)} looks now, "
        f"{len(before.looks) if before else '?'} before (issue 8: {m.boot / OLD_EVERY:g} at "
        f"{OLD_EVERY} s), target at most {TARGET}")


def main(out=print) -> None:
    report(measure(), measure(old=True), out=out)
