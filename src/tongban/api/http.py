"""Per-request overhead of strawberry's Litestar controller that the API does without."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.response import Response
from litestar.types import Dependencies

from tongban.api.errors import RESPONSE_TOO_LARGE, limit_error


def _sub_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


def without_thread_hops(dependencies: Dependencies) -> Dependencies:
    """The controller's dependencies, each built on the event loop.

    strawberry provides the sub-response with ``sync_to_thread=True``: every request handed an
    empty ``Response`` over to a worker thread and back (~0.3 ms and a GIL hand-off each).
    """
    return {**dependencies, "response": Provide(_sub_response, sync_to_thread=False)}


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def capped_json(data: object, max_bytes: int) -> bytes:
    """``data`` as JSON, or a typed error when that would exceed ``max_bytes`` (the query limits
    bound the work; this bounds what one response can make the server hold and send)."""
    body = _encoder.encode(data)
    if len(body) <= max_bytes:
        return body
    error = limit_error(
        RESPONSE_TOO_LARGE, "the response is larger than allowed", maximum=max_bytes
    )
    return _encoder.encode({"data": None, "errors": [error.formatted]})


class MsgspecJson:
    """Request and response bodies through msgspec instead of the standard ``json`` module
    (strawberry's default): encoding a case with its history took ~3 % of the request."""

    def encode_json(self, data: object) -> bytes:
        return _encoder.encode(data)

    def decode_json(self, data: str | bytes) -> object:
        # Everything strawberry decodes — the HTTP body, multipart `operations` and `map`, GET
        # `variables`, each WebSocket message — is a JSON object. Anything else must raise the
        # standard module's error, which strawberry turns into a 400 (HTTP) or a 4400 close
        # (WebSocket); msgspec's own errors, or `.get` on a list, surfaced as 500s. msgspec
        # refuses invalid UTF-8 and lone surrogates itself; deep nesting ends in RecursionError.
        try:
            value = _decoder.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            raise json.JSONDecodeError("not valid JSON", "", 0) from None
        if not isinstance(value, dict):
            raise json.JSONDecodeError("not a JSON object", "", 0)
        return value
