"""The Prometheus scrape endpoint, refreshing the gauges read from the database on each scrape."""

from __future__ import annotations

import hmac
from typing import Any

import asyncpg
from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tongban.api.errors import http_error_body
from tongban.config import Settings
from tongban.events.repository import oldest_unpublished_age
from tongban.metrics import (
    DB_POOL_IDLE,
    DB_POOL_SIZE,
    NOTIFICATIONS_DUE,
    NOTIFICATIONS_OLDEST_DUE,
    OUTBOX_OLDEST_AGE,
    REGISTRY,
)
from tongban.notifications import repository as notifications_repo


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """Prometheus metrics, for the scraper only: they show traffic, queues and backlogs."""
    settings: Settings = state.settings
    if settings.metrics_token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
            return Response(
                http_error_body(
                    401, "metrics need the scrape token", problem="METRICS_TOKEN_REQUIRED"
                ),
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
    elif settings.production:
        return Response(
            http_error_body(
                404, "metrics are off: set TONGBAN_METRICS_TOKEN", problem="METRICS_OFF"
            ),
            status_code=404,
        )
    pool: asyncpg.Pool | None = getattr(state, "pool", None)
    if pool is not None:
        DB_POOL_SIZE.set(pool.get_size())
        DB_POOL_IDLE.set(pool.get_idle_size())
        try:
            async with pool.acquire(timeout=2) as conn:
                OUTBOX_OLDEST_AGE.set(await oldest_unpublished_age(conn))
                # Real backlog age for operators: the database clock, not the simulated one.
                backlog = await notifications_repo.due_backlog(conn)
                NOTIFICATIONS_DUE.set(backlog.due)
                NOTIFICATIONS_OLDEST_DUE.set(backlog.oldest_seconds)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            pass  # the scrape still reports everything else
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
