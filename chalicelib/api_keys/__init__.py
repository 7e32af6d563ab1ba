"""API keys as an organization admin manages them: organization and workspace keys made,
listed and revoked over JSON and on the keys page. The keys themselves (and signing in with
them) are identity's (identity/clients.py); this concept sits above workspaces because a
workspace key needs a live workspace."""
