"""AMI sharing: one event-sourced share per (organization, region) granting the linked account
launch permission on the platform's Bodo images, retried with backoff, watching for images
published later. Public surface: commands (start, status, ready)."""
