from __future__ import annotations

from tongban.errors import ConflictError, NotFoundError


class MatterNotFoundError(NotFoundError):
    """No matter with this id or code."""


class MatterCodeTakenError(ConflictError):
    """Another matter already uses this code."""


class StaleDraftError(ConflictError):
    """Another admin saved the draft since this one was loaded."""
