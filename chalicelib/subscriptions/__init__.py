"""Subscriptions: an organization's AWS Marketplace subscription, moved by the Marketplace's
notices (SNS topics or EventBridge events, one code path: inbox.py), gating new clusters,
notebooks and job runs (kernel.admission), and removing what runs once it ended. Public
surface for other concepts: commands (get, refusal), and the machine's types."""
