"""Domain errors: values people can read. One DRF handler and the forms map them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the school was broken. ``code`` is stable; ``message`` is a sentence for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(DomainError):
    code = "invalid"
    status = 400


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    """Someone else changed the record since it was read: nothing was overwritten."""

    code = "conflict"
    status = 409
