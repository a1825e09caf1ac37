"""Refusals of the plain HTTP endpoints in the typed error shape every other answer has, and the
signed-in caller those endpoints (exports, downloads) act for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Response, Stream

from tongban.api.errors import graphql_error_body, http_error_body
from tongban.auth.errors import TokenError
from tongban.auth.types import ANONYMOUS, Principal
from tongban.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
    ValidationError,
)


def typed_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals (a multipart body over the limit, an unknown path, a wrong
    method) in the same typed shape as every other error."""
    return Response(
        http_error_body(exc.status_code, exc.detail),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def status_of(exc: DomainError) -> int:
    if isinstance(exc, UnauthenticatedError):
        return 401
    if isinstance(exc, ForbiddenError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    return 409 if isinstance(exc, ConflictError) else 400


def refusal(exc: DomainError) -> Response[Any]:
    """A domain error as the API's typed JSON error, with its HTTP status."""
    return Response(graphql_error_body(exc), status_code=status_of(exc))


def signed_in(request: Request[Any, Any, Any]) -> Principal:
    """The caller of a bearer-authenticated endpoint (the middleware has read the token)."""
    principal: Principal = request.scope.get("state", {}).get("principal") or ANONYMOUS
    if principal.is_anonymous:
        raise TokenError("missing", "sign in: this needs a valid bearer access token")
    return principal


def day(value: str | None, field: str) -> date | None:
    """A query parameter's day (YYYY-MM-DD), or None when not given."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError("a day: YYYY-MM-DD", field=field, problem="INVALID_DATE") from None


def csv_attachment(body: AsyncIterator[bytes], filename: str) -> Stream:
    """A CSV of personal data: an attachment no shared cache keeps."""
    return Stream(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "private, no-store",
        },
    )
