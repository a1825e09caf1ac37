"""The Litestar application factory: it only assembles the API process — the GraphQL endpoint,
probes, metrics, downloads and SMS receipts (each in tongban.web), the request middleware, and
the connections every request shares."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from arq.connections import ArqRedis
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp

from tongban import db
from tongban.api.connections import ConnectionSlots
from tongban.api.persisted import PersistedQueries
from tongban.api.subscriptions import PUBSUB_IDLE_SECONDS
from tongban.auth.service import ApplicantDirectory
from tongban.auth.status import OfficerStatus
from tongban.auth.tokens import TokenVerifier
from tongban.blobs import FilesystemBlobStore
from tongban.clock import Clock, clock_from_settings
from tongban.config import Settings, load_settings
from tongban.notifications.providers import sms_provider_from_settings
from tongban.web.audit_export import export_pii_access
from tongban.web.case_export import export_cases
from tongban.web.errors import typed_http_error
from tongban.web.exports import download_export, export_case_list, export_figures
from tongban.web.files import (
    download_decision_document,
    download_delivery_proof,
    download_licence,
    download_material,
)
from tongban.web.graphql import GRAPHIQL_ASSETS, GRAPHIQL_ASSETS_PATH, graphql_controller
from tongban.web.health import health_live, health_ready
from tongban.web.licences import licence_signing_keys, verify_licence
from tongban.web.metrics import metrics
from tongban.web.middleware import RequestMiddleware, multipart_body_limit
from tongban.web.public_results import public_results
from tongban.web.receipts import sms_receipts


def _freeze_start_up_objects() -> None:
    """Move what start-up built (the schema, compiled plans' modules, settings: ~140,000
    objects) out of the garbage collector's sight. Objects of requests in flight keep reaching
    the oldest generation, and each full collection then walked all of start-up's objects
    again (~30-130 ms a time on this machine), charged to whichever request allocated next."""
    gc.collect()
    gc.freeze()


def _lifespan(
    settings: Settings, clock: Clock | None
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """The connections every request shares, opened at start-up and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.blobs = FilesystemBlobStore(settings.blob_dir)
        app.state.clock = clock or clock_from_settings(settings)
        app.state.pool = await db.create_pool(settings)
        app.state.applicants = ApplicantDirectory(app.state.pool, app.state.clock)
        app.state.redis = aioredis.Redis.from_url(
            settings.redis_url, socket_timeout=2, socket_connect_timeout=2
        )
        # Subscriptions read pub/sub with a client of their own: a channel may stay quiet for
        # hours, so no read timeout; Redis is pinged on idle connections instead, and keepalive
        # notices a peer that vanished without closing the connection.
        app.state.pubsub = aioredis.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=2,
            socket_keepalive=True,
            health_check_interval=PUBSUB_IDLE_SECONDS,
        )
        # Connects lazily: the API starts, and keeps accepting changes, while Redis is away;
        # the deadline sweeper catches any job that could not be enqueued.
        app.state.arq = ArqRedis(
            connection_pool=aioredis.ConnectionPool.from_url(
                settings.redis_url, socket_timeout=2, socket_connect_timeout=2
            )
        )
        app.state.sms = sms_provider_from_settings(settings)
        _freeze_start_up_objects()
        try:
            yield
        finally:
            if app.state.sms is not None:
                await app.state.sms.aclose()
            await app.state.redis.aclose()
            await app.state.pubsub.aclose()
            await app.state.arq.aclose()
            await app.state.pool.close()

    return lifespan


def _cors(settings: Settings) -> CORSConfig | None:
    """Browsers on the configured origins may call the API (none configured: same origin only)."""
    return (
        CORSConfig(
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=[
                "authorization",
                "content-type",
                "x-request-id",
                "accept-language",
                # apollo-upload-client's multipart requests carry it (CSRF guard).
                "apollo-require-preflight",
            ],
            expose_headers=["x-request-id", "retry-after"],
            # Bearer tokens, not cookies: no credentials, so no ambient authority.
            allow_credentials=False,
            max_age=600,
        )
        if settings.cors_allowed_origins
        else None
    )


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    settings = settings or load_settings()
    verifier = TokenVerifier(settings)
    officers = OfficerStatus(settings.officer_status_cache_seconds)
    slots = ConnectionSlots(settings.ws_connections_per_principal)

    def middleware(app: ASGIApp) -> ASGIApp:
        return RequestMiddleware(app, verifier, settings, officers, slots)

    def persisted_queries(app: ASGIApp) -> ASGIApp:
        return PersistedQueries(app, max_body_bytes=settings.max_json_body_bytes)

    handlers: list[Any] = [
        graphql_controller(settings, verifier, officers, slots),
        health_live,
        health_ready,
        metrics,
        sms_receipts,
        download_material,
        download_decision_document,
        download_delivery_proof,
        download_licence,
        verify_licence,
        licence_signing_keys,
        export_pii_access,
        export_cases,
        export_case_list,
        export_figures,
        download_export,
        public_results,
    ]
    if settings.development:
        handlers.append(
            create_static_files_router(
                path=GRAPHIQL_ASSETS_PATH, directories=[GRAPHIQL_ASSETS], name="graphiql-assets"
            )
        )
    return Litestar(
        route_handlers=handlers,
        lifespan=[_lifespan(settings, clock)],
        middleware=[middleware, persisted_queries],
        cors_config=_cors(settings),
        logging_config=None,
        request_max_body_size=multipart_body_limit(settings),
        # operations, map and the files: Litestar stops parsing a form with many more parts.
        multipart_form_part_limit=settings.max_files_per_request + 4,
        exception_handlers={HTTPException: typed_http_error},
        openapi_config=None,
        debug=False,
    )
