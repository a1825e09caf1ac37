from __future__ import annotations

from typing import Literal

from tongban.errors import ForbiddenError, UnauthenticatedError

TokenProblem = Literal[
    "missing", "malformed", "expired", "invalid_signature", "invalid_claims", "revoked"
]


class TokenError(UnauthenticatedError):
    """The bearer token is missing, expired, forged or otherwise unusable."""

    def __init__(self, reason: TokenProblem, message: str) -> None:
        # The reason stays in details and the WWW-Authenticate challenge (clients switch on it);
        # the problem code keys its localised wording.
        super().__init__(message, details={"reason": reason}, problem=f"TOKEN_{reason.upper()}")
        self.reason = reason


class NotAllowedError(ForbiddenError):
    """The caller is signed in but their role or region does not allow this."""
