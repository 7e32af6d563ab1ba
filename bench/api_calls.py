"""Benchmark 1: AWS API calls per cluster lifecycle.

Two lifecycles in the demo workspace on the in-process platform (moto + fake clock); the
organization's network was made when the workspace became READY, so neither creates it. The
first pays the AssumeRole a cold worker would. Each goes POST /v1/clusters -> settle
(RUNNING) -> DELETE -> settle (TERMINATED). Every AWS call in between is counted and charged to
what made it: an HTTP route, a worker step, the tick, or the queue delivery (the part Lambda's
SQS event source does on AWS, emulated by the harness's pump). The harness's own reads (the
settle loop's "anything pending?" query), the benchmark's GETs and the token exchange are not
counted.

The minimum is reasoned out per operation from the steps in chalicelib/clusters/machine.py
(see MINIMUM), keeping the architecture (one side effect per queued step, event store in
DynamoDB, SQS between steps).
"""
from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from unittest import mock

from .counter import Call, Recorder, counting

CUSTOMER = ("EC2", "SSM", "STS")
GROUPS = (("customer account: EC2 / SSM / STS", CUSTOMER),
          ("platform SQS (work queue sends)", ("SQS",)),
          ("DynamoDB", ("DynamoDB",)))
DELIVERY = "delivery"      # the pump's Receive/Delete: Lambda's event source mapping on AWS
TARGET = 1.2               # issue 8: all calls within 1.2x of the minimum
# Measured at f4fe71b, when a step read its row (GetItem) and then claimed it (UpdateItem):
# 59 and 58 calls (10 GetItem [cluster row] each), against the minimum below 1.37x and 1.38x
# (1.16x of the minimum it printed then, which counted a row read per step: 51 and 50).
BEFORE_MERGE = {"first": 59, "second": 58}
TICK = "tick"


# (service, operation) -> (first cluster, second cluster, why)
MINIMUM: dict[tuple[str, str], tuple[int, int, str]] = {
    ("STS", "AssumeRole"): (1, 0, "credentials for the customer's role, cached for an hour "
                                  "(the first cluster pays it)"),
    ("EC2", "DescribeImages"): (1, 1, "validation: resolve the Bodo version to the shared AMI"),
    ("EC2", "DescribeInstanceTypes"): (1, 1, "validation: the instance type and its vCPUs"),
    # (the organization's network is made by the workspace, before any cluster: none here)
    # the cluster's own resources
    ("EC2", "CreatePlacementGroup"): (1, 1, "one cluster placement group"),
    ("EC2", "CreateLaunchTemplate"): (1, 1, "one launch template (CreateFleet needs one)"),
    ("EC2", "CreateFleet"): (1, 1, "one instant fleet"),
    ("EC2", "DescribeInstances"): (2, 2, "one readiness poll + one termination check"),
    ("SSM", "DescribeInstanceInformation"): (1, 1, "one readiness poll: nodes online in SSM"),
    ("EC2", "TerminateInstances"): (1, 1, "one terminate"),
    ("EC2", "DeleteLaunchTemplate"): (1, 1, "teardown"),
    ("EC2", "DeletePlacementGroup"): (1, 1, "teardown (after the instances are gone)"),
    # platform: 8 steps with a side effect (placement group, template, fleet, readiness,
    # terminate, await termination, delete template, delete group; the network's ids are the
    # workspace's); FINISH_REMOVAL folds into the last one.
    ("SQS", "SendMessageBatch"): (8, 8, "one message per step"),
    ("DynamoDB", "GetItem [API key]"): (2, 2, "the bearer's API key, once per request "
                                                "(create, delete)"),
    ("DynamoDB", "GetItem [workspace]"): (1, 1, "create: the workspace's region and status"),
    ("DynamoDB", "GetItem [organization]"): (1, 1, "create: the link for validation; steps "
                                                   "reuse it, cached like the credentials"),
    ("DynamoDB", "GetItem [cluster row]"): (1, 1, "delete: the row (a step reads it with "
                                                  "its claim)"),
    ("DynamoDB", "UpdateItem [cluster row: claim]"): (8, 8, "one claim per step: a conditional "
                                                            "update that returns the row"),
    ("DynamoDB", "TransactWriteItems"): (10, 10, "create + delete + one commit per step"),
}


@dataclass
class Lifecycle:
    name: str
    calls: list[Call]
    excluded: list[Call]

    def ops(self) -> Counter:
        return Counter(c.key for c in self.calls if c.label.name != DELIVERY)

    def delivery(self) -> Counter:
        return Counter(c.key for c in self.calls if c.label.name == DELIVERY)


@dataclass
class Result:
    first: Lifecycle
    second: Lifecycle
    poll: list[Call] = field(default_factory=list)   # one readiness poll, nodes not ready
    poll_tick: list[Call] = field(default_factory=list)


def _attributing(rec: Recorder) -> ExitStack:
    """Patch the platform's entry points so that each call is charged to what made it: a worker
    invocation to the step it ran (named once the step is known), the tick, the pump's queue
    delivery. Undone when the returned stack closes."""
    import dataclasses

    from chalicelib.engine import driver as engine
    from chalicelib.engine import registry
    from handlers import tick as tick_module
    from local.pump import Pump

    clusters = registry.get("cluster")
    drive, run, tick, drain = engine.drive, clusters.run, tick_module.tick, Pump.drain

    def labelled_drive(work):
        with rec.label("worker") as lab:
            outcome = drive(work)
            if lab.name == "worker":           # no step ran: stale, busy or idle message
                lab.name = f"message {outcome}"
            elif outcome == "wait":
                lab.name += " (not ready yet)"
            return outcome

    def labelled_run(step, state):
        rec.current().name = step.value
        return run(step, state)

    def labelled_tick():
        with rec.label(TICK):
            return tick()

    def labelled_drain(self, *a, **kw):
        with rec.label(DELIVERY):
            return drain(self, *a, **kw)

    stack = ExitStack()
    stack.enter_context(mock.patch.object(engine, "drive", labelled_drive))
    stack.enter_context(mock.patch.dict(registry._machines, {
        "cluster": dataclasses.replace(clusters, run=labelled_run)}))
    stack.enter_context(mock.patch.object(tick_module, "tick", labelled_tick))
    stack.enter_context(mock.patch.object(Pump, "drain", labelled_drain))
    return stack


def _lifecycle(p, rec: Recorder, name: str, workers: int) -> Lifecycle:
    rec.clear()
    with rec.label("POST /v1/clusters"):
        created = p.create_cluster(name=name, workersQuantity=workers)
    with rec.excluded("harness settle"):
        p.settle()
    with rec.excluded("benchmark read"):
        status = p.cluster(created["uuid"])["status"]
    if status != "RUNNING":
        raise AssertionError(f"{name}: {status} instead of RUNNING")
    with rec.label("DELETE /v1/clusters/{id}"):
        reply = p.request("DELETE", f"/v1/clusters/{created['uuid']}")
    if reply.status_code != 200:
        raise AssertionError(f"{name}: DELETE answered {reply.status_code}: {reply.body}")
    with rec.excluded("harness settle"):
        p.settle()
    with rec.excluded("benchmark read"):
        status = p.cluster(created["uuid"])["status"]
    if status != "TERMINATED":
        raise AssertionError(f"{name}: {status} instead of TERMINATED")
    return Lifecycle(name, rec.counted(), [c for c in rec.calls if c.label.excluded])


def _not_ready_poll(p, rec: Recorder) -> tuple[list[Call], list[Call]]:
    """A third cluster whose first readiness poll finds the nodes running but not yet online
    in SSM (as on AWS for the first minute or two; moto's instances are ready at once). The
    real readiness check runs, then its answer is replaced for that one poll. Returns the calls
    of that poll and of the tick that re-drives it (the harness's fake clock passes the poll's
    delay before the delayed message, which moto holds in real time, is visible)."""
    from chalicelib.cloud import fleet

    real, polls = fleet.readiness, []

    def slow_readiness(ec2, ssm, ids):
        answer = real(ec2, ssm, ids)
        polls.append(answer)
        if len(polls) == 1:
            return fleet.Readiness(None, waiting_for=f"{len(ids)} node(s) not yet online in SSM")
        return answer

    rec.clear()
    with mock.patch.object(fleet, "readiness", slow_readiness):
        with rec.label("POST /v1/clusters"):
            created = p.create_cluster(name="poll")
        with rec.excluded("harness settle"):
            p.settle()
    with rec.excluded("benchmark read"):
        status = p.cluster(created["uuid"])["status"]
    if status != "RUNNING" or len(polls) != 2:
        raise AssertionError(f"poll: {status} after {len(polls)} poll(s)")
    waits = [c for c in rec.calls if c.label.name.endswith("(not ready yet)")]
    return waits, [c for c in rec.calls if c.label.name == TICK]


def measure(workers: int = 2, cold_credentials: bool = True, poll: bool = True) -> Result:
    """Run the two lifecycles (and the readiness-poll scenario) and return what was called.
    `cold_credentials` forgets the credentials the linking step cached, as a fresh worker
    would not have them."""
    from chalicelib.cloud import sessions
    from local.harness import Platform

    with Platform() as p:
        token_headers = p.headers()
        p.headers = lambda *a, **kw: token_headers   # one token, exchanged outside the count
        if cold_credentials:
            sessions.forget()
        with counting() as rec, _attributing(rec):
            first = _lifecycle(p, rec, "first", workers)
            second = _lifecycle(p, rec, "second", workers)
            result = Result(first, second)
            if poll:
                result.poll, result.poll_tick = _not_ready_poll(p, rec)
    return result


# ---- report ---------------------------------------------------------------------------------

def _group_total(ops: Counter, services) -> int:
    return sum(n for (svc, _), n in ops.items() if svc in services)


def _min_ops(which: int) -> Counter:
    return Counter({k: v[which] for k, v in MINIMUM.items() if v[which]})


def _ratio(actual: int, minimum: int) -> str:
    return f"{actual / minimum:.2f}x" if minimum else ("-" if not actual else "inf")


def report(r: Result, out=print) -> None:
    a1, a2 = r.first.ops(), r.second.ops()
    m1, m2 = _min_ops(0), _min_ops(1)
    out("=" * 92)
    out("1. AWS API calls per cluster lifecycle  (POST -> RUNNING -> DELETE -> TERMINATED, "
        "2 workers, moto)")
    out("=" * 92)
    out("first = the first cluster (cold credentials); second = another cluster; both in a READY\n"
        "workspace, whose network exists already. min = the minimum reasoned below.")
    out("")
    out(f"{'group / operation':<48}{'first':>7}{'min':>6}{'second':>9}{'min':>6}")
    keys = set(a1) | set(a2) | set(m1) | set(m2)
    for title, services in GROUPS:
        out(f"{title}")
        for key in sorted(k for k in keys if k[0] in services):
            out(f"  {key[0] + ':' + key[1]:<46}{a1[key]:>7}{m1[key]:>6}{a2[key]:>9}{m2[key]:>6}")
        t1, t2 = _group_total(a1, services), _group_total(a2, services)
        n1, n2 = _group_total(m1, services), _group_total(m2, services)
        out(f"  {'subtotal':<46}{t1:>7}{n1:>6}{t2:>9}{n2:>6}")
    tot1, tot2 = sum(a1.values()), sum(a2.values())
    min1, min2 = sum(m1.values()), sum(m2.values())
    out(f"{'TOTAL':<48}{tot1:>7}{min1:>6}{tot2:>9}{min2:>6}")
    d1, d2 = r.first.delivery(), r.second.delivery()
    out("not counted above: queue delivery (Lambda's SQS event source on AWS, the pump here): "
        + ", ".join(f"{op} {d1[(s, op)]}/{d2[(s, op)]}" for (s, op) in sorted(set(d1) | set(d2))))
    ex1 = Counter(c.label.name for c in r.first.excluded)
    out("not counted: harness and benchmark reads (first lifecycle): "
        + ", ".join(f"{k} {v}" for k, v in sorted(ex1.items())))

    out("")
    out("Per step (customer EC2/SSM/STS | SQS sends | DynamoDB), first / second cluster:")
    out(f"  {'what made the calls':<40}{'first':>16}{'second':>18}")
    per1, per2 = _per_label(r.first.calls), _per_label(r.second.calls)
    for name in _label_order(r.first.calls, r.second.calls):
        if name == DELIVERY:
            continue
        out(f"  {name:<40}{_cell(per1.get(name)):>16}{_cell(per2.get(name)):>18}")

    out("")
    out("Minimum per lifecycle, and why (one side effect per queued step, as the engine works):")
    for (svc, op), (f, s, why) in MINIMUM.items():
        out(f"  {svc + ':' + op:<42} {f:>2} / {s:<2}  {why}")
    out("  Steps with a side effect: 8 (placement group, launch template, fleet, readiness,\n"
        "  terminate, await termination, delete template, delete group); the network is the\n"
        "  workspace's. FINISH_REMOVAL has no side effect and folds into the last commit.")
    out("  Idempotency look-ups (describe-before-create) are not in the minimum: a step whose "
        "claim is\n  the first one for its version cannot have run before, so only a re-claimed "
        "(retried) step\n  needs to look for what an earlier attempt made.")
    out("  A step's DynamoDB floor is two calls: its claim, one conditional UpdateItem that "
        "also returns\n  the row (the version still current, no live claim on it), and its "
        "commit, one\n  TransactWriteItems (events + row + task). Reading the row first would be "
        "a third.")

    out("")
    out(f"{'actual / minimum':<36}{'first (cold credentials)':>26}{'second':>26}")
    for title, services in GROUPS:
        t1, t2 = _group_total(a1, services), _group_total(a2, services)
        n1, n2 = _group_total(m1, services), _group_total(m2, services)
        out(f"  {title:<34}{f'{t1}/{n1} = {_ratio(t1, n1)}':>26}{f'{t2}/{n2} = {_ratio(t2, n2)}':>26}")
    out(f"  {'all calls':<34}{f'{tot1}/{min1} = {_ratio(tot1, min1)}':>26}"
        f"{f'{tot2}/{min2} = {_ratio(tot2, min2)}':>26}")
    out(f"  target: within {TARGET}x of the minimum, with a merged claim-and-read -> "
        + ", ".join(f"{n}: {'met' if a <= TARGET * m else 'NOT met'}" for n, a, m in
                    (("first", tot1, min1), ("second", tot2, min2))))
    out("  before the merge (f4fe71b: a GetItem of the row before every claim): " + ", ".join(
        f"{n} {BEFORE_MERGE[n]}/{m} = {_ratio(BEFORE_MERGE[n], m)}"
        for n, m in (("first", min1), ("second", min2))))

    out("")
    out("Excess over the minimum (second cluster), by operation and where it is made:")
    for line in _excess(r.second.calls, m2):
        out("  " + line)
    out("Excess over the minimum (first cluster):")
    for line in _excess(r.first.calls, m1):
        out("  " + line)
    _report_poll(r, out)


def _report_poll(r: Result, out) -> None:
    if not r.poll:
        return
    ops = Counter(c.key for c in r.poll)
    per_poll = sum(ops.values())
    out("")
    out("One readiness poll that finds the nodes not ready yet (moto's nodes are ready at once, "
        "so the\nlifecycles above poll once; on AWS nodes take a minute or more to boot and "
        "register with SSM):")
    text = ", ".join(f"{svc}:{op} {n}" for (svc, op), n in sorted(ops.items()))
    out(textwrap.fill(f"{text} = {per_poll} calls per poll", 92, initial_indent="  ",
                      subsequent_indent="    "))
    if r.poll_tick:
        out("  the tick that re-drove it here: " + ", ".join(
            f"{svc}:{op} {n}" for (svc, op), n in sorted(Counter(c.key for c in r.poll_tick).items())))
    from bench.readiness import configured_schedule, looks_until
    from chalicelib.clusters.machine import READINESS_TIMEOUT_SECONDS
    from chalicelib.clusters.polling import poll_offsets
    schedule, _ = configured_schedule()   # the production schedule (bench/readiness.py)
    base, minimum = sum(r.second.ops().values()), sum(_min_ops(1).values())
    for boot in (60, 120, 180):
        extra = looks_until(poll_offsets(schedule), boot, READINESS_TIMEOUT_SECONDS)[0] - 1
        out(f"  nodes ready after {boot:>3} s (bench/readiness.py's schedule): +{extra:<2} polls = "
            f"+{extra * per_poll:<3} calls; second cluster {base + extra * per_poll} calls = "
            f"{(base + extra * per_poll) / minimum:.1f}x the minimum")


def _per_label(calls: list[Call]) -> dict[str, tuple[int, int, int]]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in calls:
        i = 0 if c.service in CUSTOMER else 1 if c.service == "SQS" else 2
        per[c.label.name][i] += 1
    return {k: tuple(v) for k, v in per.items()}


def _label_order(*lists: list[Call]) -> list[str]:
    seen: dict[str, None] = {}
    for calls in lists:
        for c in calls:
            seen.setdefault(c.label.name, None)
    return list(seen)


def _cell(v) -> str:
    return "-" if v is None else f"{v[0]:>2} | {v[1]:>2} | {v[2]:>2}"


def _excess(calls: list[Call], minimum: Counter) -> list[str]:
    ops = Counter(c.key for c in calls if c.label.name != DELIVERY)
    where: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for c in calls:
        if c.label.name != DELIVERY:
            where[c.key][c.label.name] += 1
    lines = []
    for key in sorted(ops, key=lambda k: (-(ops[k] - minimum[k]), k)):
        extra = ops[key] - minimum[key]
        if extra > 0:
            places = _places(where[key])
            lines.append(f"+{extra:<3} {key[0] + ':' + key[1]:<41} ({ops[key]} made in: {places})")
    total = sum(max(0, ops[k] - minimum[k]) for k in ops)
    lines.append(f"total excess: {total} call(s)")
    return lines


def _places(counts: Counter) -> str:
    """"POST /v1/clusters x5, 10 steps x2" rather than ten step names."""
    steps = {n: k for n, k in counts.items() if n.split(" ")[0].isupper() and "/" not in n}
    others = [f"{n} x{k}" if k > 1 else n for n, k in counts.items() if n not in steps]
    if len(steps) > 3:
        for k in sorted(set(steps.values()), reverse=True):
            named = [n for n, v in steps.items() if v == k]
            others.append(f"{len(named)} steps x{k}" if len(named) > 3 else
                          ", ".join(f"{n} x{k}" if k > 1 else n for n in named))
    else:
        others += [f"{n} x{k}" if k > 1 else n for n, k in steps.items()]
    return ", ".join(others)


def main(out=print) -> Result:
    r = measure()
    report(r, out)
    return r
