"""Spend caps: an organization admin caps a workspace's monthly use in instance-hours; at 80%
the organization's pages warn, and past the cap new work in the workspace is refused
(kernel.admission) and its running clusters are paused by the minute tick (enforcement.py).
The rule is rule.py; the use is usage's (the metering rule). Public surface for other
concepts: commands."""
