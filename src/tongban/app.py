"""The Litestar application factory: GraphQL, health probes, metrics, logs, authentication."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import asyncpg
import msgspec
import redis.asyncio as aioredis
from arq.connections import ArqRedis
from litestar import Litestar, Request, get, post
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.response import Response
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.litestar import make_graphql_controller
from strawberry.types import ExecutionResult

from tongban import db
from tongban.api import ratelimit
from tongban.api.context import Context
from tongban.api.errors import RATE_LIMIT_UNAVAILABLE, RATE_LIMITED, unavailable
from tongban.api.guards import cut_if_timed_out
from tongban.api.http import MsgspecJson, capped_json, without_thread_hops
from tongban.api.loaders import Loaders
from tongban.api.persisted import MAX_JSON_BODY_BYTES, PersistedQueries
from tongban.api.ratelimit import ALLOWED, Verdict
from tongban.api.schema import build_schema
from tongban.api.subscriptions import PUBSUB_IDLE_SECONDS
from tongban.auth.errors import TokenError
from tongban.auth.service import ApplicantDirectory
from tongban.auth.tokens import TokenVerifier
from tongban.auth.types import ANONYMOUS, Principal
from tongban.blobs import FilesystemBlobStore
from tongban.cases.workflow import Clock, clock_from_settings
from tongban.config import Settings, load_settings
from tongban.logs import request_id_var
from tongban.metrics import (
    CALENDAR_NEXT_YEAR_KNOWN,
    DB_POOL_IDLE,
    DB_POOL_SIZE,
    HTTP_LATENCY,
    HTTP_REQUESTS,
    NOTIFICATIONS_DUE,
    NOTIFICATIONS_OLDEST_DUE,
    OUTBOX_OLDEST_AGE,
    READY,
    REGISTRY,
)
from tongban.outages import RETRY_AFTER_SECONDS, is_outage

log = logging.getLogger("tongban.http")
_API_DIR = Path(__file__).resolve().parent / "api"
# GraphiQL (development) and the files it loads, served by the API itself: no CDN, so it works
# offline and in locked-down networks (api/static/graphiql/README.md lists versions, licences).
GRAPHIQL_PAGE = _API_DIR / "graphiql.html"
GRAPHIQL_ASSETS = _API_DIR / "static" / "graphiql"
GRAPHIQL_ASSETS_PATH = "/static/graphiql"

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
# Paths authenticated otherwise (probes, scrapes; the SMS provider signs its receipts).
_UNAUTHENTICATED_PATHS = ("/health/", "/metrics", "/notifications/")
_encoder = msgspec.json.Encoder()


class RequestMiddleware:
    """Request id, access log, metrics and bearer-token verification for every HTTP request.

    A present but bad token is refused here with 401 before any resolver runs, so no code path
    can forget the check. No token means an anonymous principal, who can read only the public
    catalogue.
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, settings: Settings) -> None:
        self.app = app
        self.verifier = verifier
        self.settings = settings

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope = cast(dict[str, Any], asgi_scope)
        if scope["type"] not in ("http", "websocket"):
            await self.app(asgi_scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = [500]
        path: str = scope["path"]
        route = (
            path if path in ("/graphql", "/health/live", "/health/ready", "/metrics") else "other"
        )

        statements = db.count_statements()
        statement_cell = statements.__enter__()

        async def send_wrapper(asgi_message: Message) -> None:
            message = cast(dict[str, Any], asgi_message)
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                message.setdefault("headers", [])
                # SQL statements the request ran: benchmarks and tests read it (N+1 shows here).
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    (b"x-sql-statements", str(statement_cell[0]).encode()),
                ]
            await send(asgi_message)

        try:
            principal: Principal = ANONYMOUS
            refused: TokenError | None = None
            if not path.startswith(_UNAUTHENTICATED_PATHS):
                try:
                    principal = self._principal(headers.get("authorization"))
                except TokenError as exc:
                    refused = exc
            if path == "/graphql":
                # Counted before a bad token is answered: guessing tokens is limited like any
                # anonymous traffic from that address.
                verdict = await self._limit(scope, None if refused else principal)
                if not verdict.allowed:
                    await self._too_many(asgi_scope, send_wrapper, verdict)
                    return
            if refused is not None and scope["type"] == "http":
                await self._refuse(send_wrapper, refused)
                return
            # WebSockets authenticate at connection_init (graphql-transport-ws).
            scope.setdefault("state", {})["principal"] = principal
            await self.app(asgi_scope, receive, send_wrapper)
        finally:
            if scope["type"] == "http":
                elapsed = time.perf_counter() - started
                HTTP_REQUESTS.labels(scope["method"], route, str(status_holder[0])).inc()
                HTTP_LATENCY.labels(route).observe(elapsed)
                if route not in ("/health/live", "/health/ready", "/metrics"):
                    log.info(
                        "request",
                        extra={
                            "method": scope["method"],
                            "path": path,
                            "status": status_holder[0],
                            "duration_ms": round(elapsed * 1000, 2),
                        },
                    )
            statements.__exit__(None, None, None)
            request_id_var.reset(token)

    async def _limit(self, scope: dict[str, Any], principal: Principal | None) -> Verdict:
        settings = self.settings
        redis: aioredis.Redis | None = getattr(scope["litestar_app"].state, "redis", None)
        if redis is None:
            return ALLOWED
        if principal is None or principal.is_anonymous:
            client = scope.get("client")
            return await ratelimit.hit(
                redis,
                bucket="anonymous",
                caller=f"ip:{client[0] if client else 'unknown'}",
                limit=settings.rate_limit_anonymous,
                window_seconds=settings.rate_limit_window_seconds,
                fail_open=False,
            )
        return await ratelimit.hit(
            redis,
            bucket="principal",
            caller=principal.subject,
            limit=settings.rate_limit_signed_in,
            window_seconds=settings.rate_limit_window_seconds,
            fail_open=True,
        )

    @staticmethod
    async def _too_many(asgi_scope: Scope, asgi_send: Send, verdict: Verdict) -> None:
        send = cast(Any, asgi_send)
        if cast(dict[str, Any], asgi_scope)["type"] == "websocket":
            # Refusing before the handshake answers the upgrade with 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        code, status, message = (
            (RATE_LIMIT_UNAVAILABLE, 503, "the request limiter is unavailable; try again soon")
            if verdict.unavailable
            else (RATE_LIMITED, 429, "too many requests; try again later")
        )
        body = _encoder.encode(
            {
                "data": None,
                "errors": [
                    {
                        "message": message,
                        "extensions": {
                            "code": code,
                            "details": {"retryAfter": verdict.retry_after},
                        },
                    }
                ],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"retry-after", str(verdict.retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _principal(self, authorization: str | None) -> Principal:
        if not authorization:
            return ANONYMOUS
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise TokenError("malformed", "the Authorization header must be 'Bearer <token>'")
        return self.verifier.verify(credentials.strip())

    @staticmethod
    async def _refuse(asgi_send: Send, exc: TokenError) -> None:
        send = cast(Any, asgi_send)
        body = _encoder.encode(
            {
                "data": None,
                "errors": [
                    {
                        "message": exc.message,
                        "extensions": {"code": exc.code, "reason": exc.problem},
                    }
                ],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (
                        b"www-authenticate",
                        f'Bearer error="invalid_token", error_description="{exc.problem}"'.encode(),
                    ),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class Readiness(msgspec.Struct):
    ready: bool
    checks: dict[str, str]
    warnings: list[str] = []


async def check_readiness(state: State) -> Readiness:
    checks: dict[str, str] = {}

    async def postgres() -> None:
        pool: asyncpg.Pool = state.pool
        async with pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1", timeout=2)

    async def redis() -> None:
        client: aioredis.Redis = state.redis
        await client.ping()

    for name, probe in (("postgres", postgres), ("redis", redis)):
        try:
            await asyncio.wait_for(probe(), timeout=3)
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unavailable: {type(exc).__name__}: {exc}".strip()
    ready = all(v == "ok" for v in checks.values())
    READY.set(1 if ready else 0)
    warnings: list[str] = []
    if checks["postgres"] == "ok":
        warnings += await _calendar_warnings(state)
    return Readiness(ready=ready, checks=checks, warnings=warnings)


async def _calendar_warnings(state: State) -> list[str]:
    """From 1 December, say so when next year's official schedule is still unknown: every
    deadline reaching into it waits (never guessed) until an administrator publishes it."""
    from tongban.cases.workflow import local_day
    from tongban.deadlines.service import load_calendar

    settings: Settings = state.settings
    today = local_day(state.clock.now(), settings.timezone)
    async with state.pool.acquire(timeout=2) as conn:
        cal = await load_calendar(conn)
    known = cal.knows_year(today.year + 1)
    CALENDAR_NEXT_YEAR_KNOWN.set(1 if known else 0)
    if today.month == 12 and not known:
        return [f"the official working-day schedule for {today.year + 1} is not published yet"]
    return []


@get("/health/live", sync_to_thread=False, include_in_schema=False)
def health_live() -> dict[str, str]:
    """Liveness: the process answers. It never checks dependencies (that would restart pods
    when the database blips)."""
    return {"status": "live"}


@get("/health/ready", include_in_schema=False)
async def health_ready(state: State) -> Response[Readiness]:
    result = await check_readiness(state)
    return Response(result, status_code=200 if result.ready else 503)


@get("/metrics", include_in_schema=False)
async def metrics(state: State) -> Response[bytes]:
    pool: asyncpg.Pool | None = getattr(state, "pool", None)
    if pool is not None:
        DB_POOL_SIZE.set(pool.get_size())
        DB_POOL_IDLE.set(pool.get_idle_size())
        from tongban.events.relay import oldest_unpublished_age

        try:
            async with pool.acquire(timeout=2) as conn:
                OUTBOX_OLDEST_AGE.set(await oldest_unpublished_age(conn))
                due, oldest = await conn.fetchrow(
                    """SELECT count(*),
                              coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)::float8
                       FROM notification_message
                       WHERE status IN ('pending', 'retry') AND next_attempt_at <= now()"""
                )
                NOTIFICATIONS_DUE.set(due)
                NOTIFICATIONS_OLDEST_DUE.set(oldest)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            pass  # the scrape still reports everything else
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@post("/notifications/sms/receipts", include_in_schema=False, status_code=200)
async def sms_receipts(request: Request[Any, Any, Any], state: State) -> Response[dict[str, Any]]:
    """Delivery reports pushed by the SMS provider, authenticated by their signature."""
    from tongban.notifications.channels import InvalidReceiptSignature
    from tongban.notifications.service import apply_receipts

    provider = state.sms
    if provider is None:
        return Response({"code": 1, "msg": "SMS is disabled"}, status_code=404)
    body = await request.body()
    try:
        receipts = provider.parse_receipts(body, request.headers)
    except InvalidReceiptSignature:
        log.warning("sms receipts: bad signature refused")
        return Response({"code": 1, "msg": "bad signature"}, status_code=401)
    except (ValueError, KeyError, TypeError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        return Response({"code": 1, "msg": f"malformed report: {exc}"}, status_code=400)
    async with state.pool.acquire() as conn:
        recorded = await apply_receipts(conn, receipts)
    log.info("sms receipts", extra={"reports": len(receipts), "recorded": recorded})
    return Response({"code": 0, "msg": "成功"})


async def _resolved(state: State, principal: Principal | None) -> Principal:
    """The request's principal, an identity-provider applicant resolved to their record."""
    if principal is None:
        return ANONYMOUS
    try:
        resolved: Principal = await state.applicants.resolve(principal)
    except Exception as exc:
        if not is_outage(exc):
            raise
        raise HTTPException(
            status_code=503,
            detail="the service is temporarily unavailable; retry shortly",
            headers={"retry-after": str(RETRY_AFTER_SECONDS)},
        ) from None
    return resolved


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    settings = settings or load_settings()
    verifier = TokenVerifier(settings)

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
        from tongban.notifications.channels import sms_provider_from_settings

        app.state.sms = sms_provider_from_settings(settings)
        try:
            yield
        finally:
            if app.state.sms is not None:
                await app.state.sms.aclose()
            await app.state.redis.aclose()
            await app.state.pubsub.aclose()
            await app.state.arq.aclose()
            await app.state.pool.close()

    async def get_context(request: Request[Any, Any, Any], state: State) -> Context:
        principal = await _resolved(state, request.scope.get("state", {}).get("principal"))
        return Context(
            request=request,
            settings=settings,
            pool=state.pool,
            principal=principal,
            loaders=Loaders(state.pool, principal),
            blobs=state.blobs,
            arq=state.arq,
            redis=state.redis,
            pubsub=state.pubsub,
            clock=state.clock,
            applicants=state.applicants,
        )

    base_controller = make_graphql_controller(
        build_schema(),
        path="/graphql",
        graphql_ide="graphiql" if settings.development else None,
        context_getter=get_context,
        multipart_uploads_enabled=True,
        # Browsers on these origins may open subscriptions (others are refused at the upgrade).
        allowed_origins=list(settings.cors_allowed_origins),
    )

    graphiql_page = GRAPHIQL_PAGE.read_text(encoding="utf-8") if settings.development else ""
    max_response_bytes = settings.graphql_max_response_bytes

    class GraphQLController(MsgspecJson, base_controller):  # type: ignore[valid-type,misc]
        dependencies = without_thread_hops(base_controller.dependencies)

        def create_response(
            self, response_data: Any, sub_response: Response[bytes]
        ) -> Response[bytes]:
            response: Response[bytes] = super().create_response(response_data, sub_response)
            results = response_data if isinstance(response_data, list) else [response_data]
            if any(unavailable(r.get("errors")) for r in results):
                # A typed, retryable outage: proxies and clients back off and retry.
                response.status_code = 503
                response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
            return response

        @property
        def graphql_ide_html(self) -> str:
            return graphiql_page

        async def process_result(
            self, request: Request[Any, Any, Any], result: ExecutionResult
        ) -> GraphQLHTTPResponse:
            return process_result(cut_if_timed_out(result))

        def encode_json(self, data: object) -> bytes:
            return capped_json(data, max_response_bytes)

        async def on_ws_connect(self, context: Context) -> dict[str, object]:
            """Subscriptions authenticate at connection_init: {"authorization": "Bearer …"}."""
            params = context.connection_params or {}
            raw = str(params.get("authorization") or params.get("Authorization") or "")
            scheme, _, token = raw.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "reason": "missing"})
            try:
                principal = verifier.verify(token.strip())
            except TokenError as exc:
                raise ConnectionRejectionError(
                    {"code": "UNAUTHENTICATED", "reason": exc.problem}
                ) from None
            try:
                if context.applicants is not None:
                    principal = await context.applicants.resolve(principal)
            except Exception as exc:
                if not is_outage(exc):
                    raise
                raise ConnectionRejectionError(
                    {"code": "SERVICE_UNAVAILABLE", "retryAfter": RETRY_AFTER_SECONDS}
                ) from None
            context.principal = principal
            # One connection serves many operations: no per-connection DataLoader caches.
            context.loaders = Loaders(context.pool, principal)
            return {"viewer": principal.kind}

    graphql = GraphQLController

    def middleware(app: ASGIApp) -> ASGIApp:
        return RequestMiddleware(app, verifier, settings)

    def persisted_queries(app: ASGIApp) -> ASGIApp:
        return PersistedQueries(app, max_body_bytes=MAX_JSON_BODY_BYTES)

    handlers: list[Any] = [graphql, health_live, health_ready, metrics, sms_receipts]
    if settings.development:
        handlers.append(
            create_static_files_router(
                path=GRAPHIQL_ASSETS_PATH, directories=[GRAPHIQL_ASSETS], name="graphiql-assets"
            )
        )
    return Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        middleware=[middleware, persisted_queries],
        cors_config=(
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
        ),
        logging_config=None,
        # Several materials per submission: the per-file limit is checked by the use case.
        request_max_body_size=settings.max_upload_bytes * 8 + 1024 * 1024,
        openapi_config=None,
        debug=False,
    )
