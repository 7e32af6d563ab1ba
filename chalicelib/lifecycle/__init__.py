"""The pure core: state machines as transition tables, with no I/O at all (stdlib only)."""
from .errors import DomainError

__all__ = ["DomainError"]
