class ServiceError(Exception):
    """A refused change, with a message for the user in plain Chinese."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(ServiceError):
    """Somebody else changed the object since it was loaded (optimistic locking)."""
