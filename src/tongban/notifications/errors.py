"""The notification area's failures: the expected one an administrator sees, and the two its
channels raise to their callers (never shown to a person)."""

from __future__ import annotations

from tongban.errors import ConflictError


class TemplateVersionChangedError(ConflictError):
    """Another administrator published the template since this one loaded it."""

    code = "CONFLICT"

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(
            message,
            field="expectedVersion",
            details={"currentVersion": current_version},
            params={"currentVersion": current_version},
        )


class InvalidReceiptSignature(Exception):
    """A delivery-report callback whose signature is missing or wrong."""


class ProviderError(Exception):
    """A provider query (not a send) could not be answered; the caller must not assume "absent"."""
