"""Clusters: EC2 fleets in a cluster placement group inside the organization's network, an
event-sourced lifecycle in the workspace's scope (NEW -> INPROGRESS -> RUNNING, removed with
everything they made). Public surface for other concepts: commands, and the machine's types."""
