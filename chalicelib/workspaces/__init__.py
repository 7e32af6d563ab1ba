"""Workspaces: an event-sourced lifecycle in the organization's scope (READY once the linked
account answers in the region and the organization network exists there), and what a
workspace can launch (the catalog). Public surface for other concepts: commands, scope (what a
caller may reach), catalog, and the machine's types."""
