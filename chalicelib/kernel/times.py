"""The one time format on the wire: ISO 8601 in UTC to the second, with a Z."""
from __future__ import annotations

from datetime import datetime, timezone


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def parse_iso(text: str) -> float:
    """Epoch seconds of an ISO 8601 time that says its offset ("2024-08-30T21:36:03Z",
    "2012-04-25T21:49:25.719Z", "...+02:00"), as AWS writes them. Raises ValueError for
    anything else, a time without an offset included."""
    if not isinstance(text, str) or not 0 < len(text) <= 40:
        raise ValueError(f"{text!r} is not an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone offset")
    return parsed.timestamp()
