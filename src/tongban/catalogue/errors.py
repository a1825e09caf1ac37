from __future__ import annotations

from tongban.errors import ConflictError, NotFoundError


class MatterNotFoundError(NotFoundError):
    code = "NOT_FOUND"


class MatterCodeTakenError(ConflictError):
    code = "CONFLICT"


class StaleDraftError(ConflictError):
    """Another admin saved the draft since this one was loaded."""

    code = "CONFLICT"
