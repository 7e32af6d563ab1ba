"""Event entry points that Lambda runs besides the HTTP API: the queue worker and the tick."""
