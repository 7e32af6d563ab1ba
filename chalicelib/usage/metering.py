"""What the minute tick does for usage: the sweep of closed hours into the ledger, then the
hourly report to AWS Marketplace (report.py)."""
from __future__ import annotations

from . import report, sweep


def run(now: float) -> None:
    sweep.run(now)
    report.run(now)
