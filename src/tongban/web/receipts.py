"""Delivery reports the SMS provider pushes, authenticated by their signature and accepted once."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response

from tongban.config import Settings
from tongban.notifications.errors import InvalidReceiptSignature
from tongban.notifications.service import apply_receipts
from tongban.outages import RETRY_AFTER_SECONDS, is_outage

log = logging.getLogger("tongban.http")


@post("/notifications/sms/receipts", include_in_schema=False, status_code=200)
async def sms_receipts(request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
    """Delivery reports pushed by the SMS provider, authenticated by their signature."""

    provider = state.sms
    if provider is None:
        return Response({"code": 1, "msg": "SMS is disabled"}, status_code=404)
    body = await request.body()
    try:
        receipts = provider.parse_receipts(body, request.headers)
    except InvalidReceiptSignature as exc:
        log.warning("sms receipts refused: %s", exc)
        return Response({"code": 1, "msg": "bad signature"}, status_code=401)
    except (ValueError, KeyError, TypeError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        return Response({"code": 1, "msg": f"malformed report: {exc}"}, status_code=400)
    # A signed report is accepted once: its signature (over timestamp and body) is remembered
    # for twice the window, after which its timestamp alone refuses it. Redis away: refuse
    # (503), the provider retries — a replay must never slip through.
    settings: Settings = state.settings
    signature = request.headers.get("x-tongban-signature", "").strip().lower()
    seen_key = "tongban:sms-receipt:" + signature
    try:
        first = await state.redis.set(
            seen_key, b"1", nx=True, ex=2 * settings.sms_receipt_window_seconds
        )
    except Exception as exc:
        if not is_outage(exc):
            raise
        return Response(
            {"code": 1, "msg": "temporarily unavailable"},
            status_code=503,
            headers={"retry-after": str(RETRY_AFTER_SECONDS)},
        )
    if not first:
        log.warning("sms receipts: replayed report refused")
        return Response({"code": 1, "msg": "replayed report"}, status_code=409)
    try:
        async with state.pool.acquire() as conn:
            recorded = await apply_receipts(conn, receipts)
    except Exception:
        await state.redis.delete(seen_key)  # not applied: the provider's retry must count
        raise
    log.info("sms receipts", extra={"reports": len(receipts), "recorded": recorded})
    return Response({"code": 0, "msg": "成功"})
