"""Domain errors: what services and storage raise when a request cannot be carried out.

They know nothing of HTTP; the HTTP layer (`fraudwatch.web.errors`) maps each to the JSON
error document once (NotFound 404, Invalid 400, Conflict 409, Unavailable 503), and the
CLI prints them."""
from __future__ import annotations


class DomainError(Exception):
    """Base of the domain errors: a message for people and a machine-readable code."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None,
                 reason: str | None = None, params: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.fields = dict(fields or {})
        # which refusal this is and its values, for pages that say it in the reader's language
        # (fraudwatch/console/refusals.py); `message` stays the English of the API and the CLI
        self.reason = reason
        self.params = dict(params or {})


class NotFound(DomainError):
    """The thing asked for does not exist."""

    code = "not_found"


class Invalid(DomainError):
    """The input is not acceptable; `fields` says what is wrong with which field."""

    code = "validation_failed"


class Conflict(DomainError):
    """The request contradicts the current state (a merge cycle, a confirmed verdict...)."""

    code = "conflict"


class Unavailable(DomainError):
    """Something the request needs is missing for now (no model trained, a service down)."""

    code = "unavailable"
