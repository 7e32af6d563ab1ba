"""The two errors every layer understands: a request a state machine does not allow, and a
refusal from AWS (raised by the cloud adapters, read by the engine and the concepts)."""
from __future__ import annotations


class DomainError(Exception):
    """A command refused by a transition table or a rule of a concept. The API answers it with
    409 and `message`; `field` names the input at fault, when one is; `code` is the reply's
    `error` (what kind of refusal: "Conflict" unless a rule names its own)."""

    def __init__(self, message: str, field: str | None = None, code: str = "Conflict"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class CloudError(Exception):
    """AWS (or the way to it) refused a call. `transient`: try again later (throttling, a
    dependency still in use); else lasting, and `reason` is what the user reads."""

    def __init__(self, code: str, message: str, transient: bool):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"
