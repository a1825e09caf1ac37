from __future__ import annotations

from tongban.errors import ConflictError, NotFoundError


class CaseNotFoundError(NotFoundError):
    """No such case, or one the caller may not see (the two are not told apart)."""


class StaleVersionError(ConflictError):
    """The caller acted on an older version of the case."""

    def __init__(self, current_version: int) -> None:
        super().__init__(
            f"the case changed meanwhile (now version {current_version}); reload it and retry",
            field="expectedVersion",
            details={"currentVersion": current_version},
            params={"currentVersion": current_version},
        )
        self.current_version = current_version


class IdempotencyKeyReusedError(ConflictError):
    """An idempotency key already filed a different submission."""
