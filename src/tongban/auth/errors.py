from __future__ import annotations

from typing import Literal

from tongban.errors import ForbiddenError, UnauthenticatedError

TokenProblem = Literal[
    "missing", "malformed", "expired", "invalid_signature", "invalid_claims", "revoked"
]


class TokenError(UnauthenticatedError):
    """The bearer token is missing, expired, forged or otherwise unusable."""

    code = "UNAUTHENTICATED"

    def __init__(self, problem: TokenProblem, message: str) -> None:
        super().__init__(message, details={"reason": problem})
        self.problem = problem


class NotAllowedError(ForbiddenError):
    code = "FORBIDDEN"
