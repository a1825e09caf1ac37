"""Per-request overhead of strawberry's Litestar controller that the API does without."""

from __future__ import annotations

from typing import Any

import msgspec
from cross_web import HTTPException
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.response import Response
from litestar.types import Dependencies


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


class MsgspecJson:
    """Request and response bodies through msgspec instead of the standard ``json`` module
    (strawberry's default): encoding a case with its history took ~3 % of the request."""

    def encode_json(self, data: object) -> bytes:
        return _encoder.encode(data)

    def decode_json(self, data: str | bytes) -> object:
        # Every body strawberry decodes (the request, multipart `operations` and `map`, GET
        # `variables`) is a JSON object; anything else is the client's mistake, a 400 — never a
        # 500 from `.get` on a list. msgspec refuses invalid UTF-8 and lone surrogates itself;
        # deep nesting ends in RecursionError, whose text is not for clients.
        try:
            value = _decoder.decode(data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            raise HTTPException(400, "the request body is not valid JSON") from None
        if not isinstance(value, dict):
            raise HTTPException(400, "the request body must be a JSON object")
        return value
