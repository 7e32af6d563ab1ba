"""Notebooks: a Jupyter node attached to a cluster, in the organization's network, with the
cluster's /shared mounted; an event-sourced lifecycle in the workspace's scope (NEW ->
INPROGRESS -> READY, removed with its node, and with its cluster). Public surface for other
concepts: commands, and the machine's types."""
