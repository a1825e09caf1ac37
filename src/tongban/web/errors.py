"""Litestar's own refusals in the typed error shape every other answer has."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Response

from tongban.api.errors import http_error_body


def typed_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals (a multipart body over the limit, an unknown path, a wrong
    method) in the same typed shape as every other error."""
    return Response(
        http_error_body(exc.status_code, exc.detail),
        status_code=exc.status_code,
        headers=exc.headers,
    )
