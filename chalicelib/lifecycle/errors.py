"""The one error the pure core raises: a request that the state machine does not allow."""


class DomainError(Exception):
    """A command refused by a transition table. The API answers it with 409 and `message`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
