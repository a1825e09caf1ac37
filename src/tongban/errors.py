"""The one base of every expected failure.

Each domain area subclasses :class:`DomainError` with a stable ``code`` (its category, the
GraphQL ``ErrorCode``) and each raise names the rule that failed with a stable ``problem`` (the key
of its Chinese and English wording in ``tongban.messages``; the message a raise site writes is the
English one logs keep). The GraphQL adapter maps them to typed errors in one place
(``tongban.api.errors``). Anything that is not a ``DomainError`` is unexpected and is masked from
clients.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import msgspec


def default_problem(cls: type[DomainError]) -> str:
    """The problem code an error class stands for when a raise names none
    (StaleVersionError → STALE_VERSION)."""
    name = cls.__name__.removesuffix("Error") or "DOMAIN"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


class DomainError(Exception):
    """An expected failure a front end can show to a person.

    ``problem`` is the stable code of the rule that failed (defaults to the class's, see
    :func:`default_problem`); ``params`` fill the placeholders of its localised wording.
    """

    code: ClassVar[str] = "DOMAIN_ERROR"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        problem: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        self.problem = problem or default_problem(type(self))
        self.params = params or {}


class ValidationError(DomainError):
    """Input that breaks a rule; ``field`` names the offending input field."""

    code = "VALIDATION"


class NotFoundError(DomainError):
    code = "NOT_FOUND"


class ConflictError(DomainError):
    """Someone else changed the record first, or a uniqueness rule was hit."""

    code = "CONFLICT"


class ForbiddenError(DomainError):
    code = "FORBIDDEN"


class UnauthenticatedError(DomainError):
    code = "UNAUTHENTICATED"


class RateLimitedError(DomainError):
    """Too many requests from this caller; ``retryAfter`` (seconds) says when to try again."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, problem: str | None = None) -> None:
        super().__init__(
            message,
            details={"retryAfter": retry_after},
            problem=problem,
            params={"retryAfter": retry_after},
        )


# How long a client should wait before retrying after an outage (seconds): a PostgreSQL restart
# or a Redis failover takes a few seconds.
RETRY_AFTER_SECONDS = 2


class ServiceUnavailableError(DomainError):
    """PostgreSQL or Redis is away for a moment: nothing was changed; the same request (with
    the same idempotency key) can succeed later, so clients retry after ``retryAfter``."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(
        self, message: str = "the service is temporarily unavailable; retry shortly"
    ) -> None:
        super().__init__(message, details={"retryAfter": RETRY_AFTER_SECONDS, "retryable": True})


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong with an input, tied to the field a form should highlight; ``code`` is its
    stable problem code, ``params`` fill the placeholders of its localised wording."""

    field: str
    code: str
    message: str
    params: dict[str, Any] | None = None


class InvalidInputError(DomainError):
    """Several problems found at once, so a form can show all of them in one round trip."""

    code = "VALIDATION"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems), field=problems[0].field)
        self.problems = problems

    @classmethod
    def one(
        cls, field: str, code: str, message: str, params: dict[str, Any] | None = None
    ) -> InvalidInputError:
        """The error of a single problem."""
        return cls([Problem(field, code, message, params)])


MAX_NAME_CHARS = 100
"""Names of people, organisations and contacts (the longest registered Chinese company names
run to ~60 characters)."""
MAX_EMAIL_CHARS = 254
"""RFC 5321's limit on a forward path."""
MAX_TEXT_CHARS = 2000
"""Reasons, comments and notes: each is stored in the history and may be sent by SMS or
e-mail, so an unbounded one lets any caller grow the database and every message."""
MAX_FORM_BYTES = 64 * 1024
"""An application form's data as JSON; materials travel as uploads, not in the form."""


def too_long(value: str | None, *, field: str, max_chars: int) -> Problem | None:
    """The problem with ``value`` when it is longer than ``max_chars`` characters."""
    if value is None or len(value) <= max_chars:
        return None
    return Problem(field, "TOO_LONG", f"at most {max_chars} characters", {"max": max_chars})


def check_length(value: str | None, *, field: str, max_chars: int) -> None:
    problem = too_long(value, field=field, max_chars=max_chars)
    if problem is not None:
        raise InvalidInputError([problem])
