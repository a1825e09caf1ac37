"""The Litestar application factory: GraphQL, health probes, metrics, logs, authentication."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import asyncpg
import msgspec
import redis.asyncio as aioredis
from arq.connections import ArqRedis
from cross_web import HTTPException as StrawberryHTTPException
from litestar import Litestar, Request, get, post
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.response import Response
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.litestar import make_graphql_controller
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from tongban import db, messages
from tongban.api import ratelimit
from tongban.api.connections import ConnectionSlots
from tongban.api.context import Context
from tongban.api.errors import (
    RATE_LIMIT_UNAVAILABLE,
    RATE_LIMITED,
    Refusal,
    graphql_error_body,
    http_error_body,
    refusal_body,
    unavailable,
)
from tongban.api.guards import cut_if_timed_out
from tongban.api.http import MsgspecJson, capped_json, without_thread_hops
from tongban.api.loaders import Loaders
from tongban.api.persisted import PersistedQueries
from tongban.api.ratelimit import ALLOWED, Verdict
from tongban.api.schema import build_schema
from tongban.api.subscriptions import PUBSUB_IDLE_SECONDS
from tongban.auth.errors import TokenError
from tongban.auth.service import ApplicantDirectory
from tongban.auth.status import OfficerStatus
from tongban.auth.tokens import TokenVerifier
from tongban.auth.types import ANONYMOUS, Principal
from tongban.blobs import FilesystemBlobStore
from tongban.cases import downloads
from tongban.cases.workflow import Clock, clock_from_settings
from tongban.config import Settings, load_settings
from tongban.errors import DomainError, NotFoundError
from tongban.identifiers import is_uuid
from tongban.logs import request_id_var
from tongban.messages import localise, pick_language
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
from tongban.outages import RETRY_AFTER_SECONDS, ServiceUnavailableError, is_outage

log = logging.getLogger("tongban.http")
# Where a WebSocket's scope keeps the principal holding one of its live-connection slots.
WS_SLOT = "tongban_ws_slot"
_API_DIR = Path(__file__).resolve().parent / "api"
# GraphiQL (development) and the files it loads, served by the API itself: no CDN, so it works
# offline and in locked-down networks (api/static/graphiql/README.md lists versions, licences).
GRAPHIQL_PAGE = _API_DIR / "graphiql.html"
GRAPHIQL_ASSETS = _API_DIR / "static" / "graphiql"
GRAPHIQL_ASSETS_PATH = "/static/graphiql"

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
# Paths authenticated otherwise (probes, scrapes; the SMS provider signs its receipts).
# (Signed download links carry their permission; a browser follows them without a token.)
_UNAUTHENTICATED_PATHS = ("/health/", "/metrics", "/notifications/", "/files/")
_encoder = msgspec.json.Encoder()
# On every response: browsers must not guess a JSON answer is HTML, and no cache (shared or
# the browser's) may keep a response, which may carry personal data.
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]
_SECURITY_HEADER_NAMES = {name for name, _ in _SECURITY_HEADERS}


class RequestMiddleware:
    """Request id, access log, metrics and bearer-token verification for every HTTP request.

    A present but bad token is refused here with 401 before any resolver runs, so no code path
    can forget the check. No token means an anonymous principal, who can read only the public
    catalogue.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        settings: Settings,
        officers: OfficerStatus | None = None,
        slots: ConnectionSlots | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.settings = settings
        self.officers = officers or OfficerStatus(settings.officer_status_cache_seconds)
        self.slots = slots
        self.max_json_body = settings.max_json_body_bytes
        self.max_multipart_body = multipart_body_limit(settings)
        # How many statements a request ran tells an attacker which inputs reach the database.
        self.statements_header = not settings.production or settings.sql_statements_header

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope = cast(dict[str, Any], asgi_scope)
        if scope["type"] not in ("http", "websocket"):
            await self.app(asgi_scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID_RE.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        # Every message this request produces — GraphQL errors, user errors, the refusals below
        # — reads the language from here (a WebSocket: its upgrade request, or connection_init).
        language_token = messages.language.set(pick_language(headers.get("accept-language")))
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
                    *(h for h in message["headers"] if h[0].lower() not in _SECURITY_HEADER_NAMES),
                    *_SECURITY_HEADERS,
                    (b"x-request-id", request_id.encode()),
                ]
                if self.statements_header:
                    message["headers"].append(
                        (b"x-sql-statements", str(statement_cell[0]).encode())
                    )
            await send(asgi_message)

        try:
            if scope["type"] == "http":
                limited = await self._limit_body(headers, receive, send_wrapper)
                if limited is None:
                    return
                receive = limited
            principal: Principal = ANONYMOUS
            refused: TokenError | None = None
            if not path.startswith(_UNAUTHENTICATED_PATHS):
                try:
                    principal = self._principal(headers.get("authorization"))
                    if scope["type"] == "http" and principal.is_officer:
                        await self.officers.require_active(scope["app"].state.pool, principal)
                except TokenError as exc:
                    refused = exc
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    body = graphql_error_body(ServiceUnavailableError())
                    retry = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
                    await send_error(send_wrapper, 503, body, retry)
                    return
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
            held = (
                scope.get("state", {}).pop(WS_SLOT, None) if scope["type"] == "websocket" else None
            )
            if held is not None and self.slots is not None:
                self.slots.release(held)
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
            messages.language.reset(language_token)
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
        code, problem, status, message = (
            (
                RATE_LIMIT_UNAVAILABLE,
                RATE_LIMIT_UNAVAILABLE,
                503,
                "the request limiter is unavailable; try again soon",
            )
            if verdict.unavailable
            else (RATE_LIMITED, "REQUESTS_RATE_LIMITED", 429, "too many requests; try again later")
        )
        text = localise(problem, message, {"retryAfter": verdict.retry_after})
        body = _encoder.encode(
            {
                "data": None,
                "errors": [
                    {
                        "message": text,
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

    async def _limit_body(
        self, headers: dict[str, str], receive: Receive, send: Send
    ) -> Receive | None:
        """The request body within its limit, or None after a 413.

        Only multipart submissions carry files; every other body is small, so it is read here
        (at most the JSON limit, however it is chunked) instead of up to the upload limit that
        Litestar applies to every route.
        """
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.max_multipart_body if multipart else self.max_json_body
        declared = headers.get("content-length", "")
        too_large = http_error_body(
            413,
            f"the request body is larger than {limit} bytes",
            problem="BODY_TOO_LARGE",
            params={"limit": limit},
        )
        if declared.isdigit() and int(declared) > limit:
            await send_error(send, 413, too_large)
            return None
        if multipart:
            return receive  # Litestar stops reading the form at its request_max_body_size
        chunks: list[bytes] = []
        size = 0
        last: ReceiveMessage
        while True:
            last = await receive()
            if last["type"] != "http.request":
                break  # a disconnect: handed on as it came
            chunk = cast(dict[str, Any], last).get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_error(send, 413, too_large)
                return None
            chunks.append(chunk)
            if not cast(dict[str, Any], last).get("more_body", False):
                last = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replay = [last]

        async def replayed() -> ReceiveMessage:
            return replay.pop() if replay else await receive()

        return replayed

    @staticmethod
    async def _refuse(send: Send, exc: TokenError) -> None:
        challenge = f'Bearer error="invalid_token", error_description="{exc.reason}"'
        await send_error(
            send,
            401,
            http_error_body(401, exc.message, problem=exc.problem, reason=exc.reason),
            [(b"www-authenticate", challenge.encode())],
        )


def multipart_body_limit(settings: Settings) -> int:
    """Several materials per submission (each checked by the use case) plus the operations."""
    return settings.max_upload_bytes * settings.max_files_per_request + settings.max_json_body_bytes


def check_files_map(files_map: dict[str, Any], files: Mapping[str, Any], limit: int) -> None:
    """The GraphQL multipart `map`: at most ``limit`` files, each bound to exactly one variable
    (one upload read into several inputs would pass each check once and be stored many times)."""
    if len(files_map) > limit or len(files) > limit:
        raise Refusal(413, f"at most {limit} files per request", "TOO_MANY_FILES", limit=limit)
    seen: set[str] = set()
    for key, paths in files_map.items():
        if not (isinstance(paths, list) and len(paths) == 1 and isinstance(paths[0], str)):
            raise Refusal(
                400, f"file {key!s:.20} must map to exactly one variable", "BAD_FILES_MAP"
            )
        if paths[0] in seen:
            raise Refusal(400, "two files map to the same variable", "BAD_FILES_MAP")
        seen.add(paths[0])


async def send_error(
    asgi_send: Send,
    status: int,
    body: dict[str, Any],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    send = cast(Any, asgi_send)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": _encoder.encode(body)})


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


@get("/files/materials/{material_id:str}", include_in_schema=False)
async def download_material(
    material_id: str, state: State, expires: str = "", signature: str = ""
) -> Response[Any]:
    """A material through its signed link (handed out as Material.downloadUrl)."""
    settings: Settings = state.settings
    try:
        if not is_uuid(material_id):
            raise NotFoundError("no such material", problem="MATERIAL_NOT_FOUND")
        async with state.pool.acquire() as conn:
            material = await downloads.material_for_download(
                conn,
                settings,
                material_id=material_id,
                expires=expires,
                signature=signature,
                now=time.time(),
            )
        data = await state.blobs.get(material.blob_key)
    except DomainError as exc:
        status = 404 if isinstance(exc, NotFoundError) else 403
        return Response(graphql_error_body(exc), status_code=status)
    return Response(
        data,
        media_type=material.content_type,
        headers={
            "content-disposition": downloads.content_disposition(material.name),
            # Personal documents: never kept by a shared cache, never sniffed into HTML.
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        },
    )


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


def typed_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals (a multipart body over the limit, an unknown path, a wrong
    method) in the same typed shape as every other error."""
    return Response(
        http_error_body(exc.status_code, exc.detail),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    settings = config = settings or load_settings()
    verifier = TokenVerifier(settings)
    officers = OfficerStatus(settings.officer_status_cache_seconds)

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
        build_schema(
            introspection=not settings.production or settings.graphql_introspection,
            suggestions=not settings.production,
        ),
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

        async def parse_multipart(self, request: Any) -> dict[str, str]:
            try:
                form_data = await request.get_form_data()
            except ValueError:
                raise Refusal(400, "unable to parse the multipart body", "BAD_MULTIPART") from None
            operations = form_data.form.get("operations", "{}")
            files_map = form_data.form.get("map", "{}")
            if isinstance(operations, bytes | str):
                operations = self.parse_json(operations)
            if isinstance(files_map, bytes | str):
                files_map = self.parse_json(files_map)
            check_files_map(files_map, form_data.files, config.max_files_per_request)
            try:
                result: dict[str, str] = replace_placeholders_with_files(
                    operations, files_map, form_data.files
                )
            except (KeyError, IndexError, TypeError, ValueError):
                raise Refusal(
                    400, "the map names a missing file or variable", "BAD_FILES_MAP"
                ) from None
            return result

        async def parse_http_body(self, request: Any) -> Any:
            data = await super().parse_http_body(request)
            # Parsing and validation cost grows with the document: a long one is refused unread.
            limit = config.graphql_max_query_chars
            for item in data if isinstance(data, list) else [data]:
                if item.query is not None and len(item.query) > limit:
                    raise Refusal(
                        413,
                        f"the GraphQL document is longer than {limit} characters",
                        "DOCUMENT_TOO_LONG",
                        limit=limit,
                    )
            return data

        async def execute_operation(
            self,
            request: Any,
            request_adapter: Any,
            request_data: Any,
            context: Any,
            root_value: Any,
            sub_response: Any,
        ) -> Any:
            if isinstance(request_data, list):
                raise Refusal(400, "batched requests are not supported", "BATCH_NOT_SUPPORTED")
            # Subscriptions run over graphql-transport-ws only: over HTTP they would hold a
            # request open outside the WebSocket connection limits and authentication.
            allowed = {OperationType.QUERY}
            if request_adapter.method == "POST":
                allowed.add(OperationType.MUTATION)
            try:
                return await self.schema.execute(
                    request_data.query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=request_data.extensions,
                )
            except CannotGetOperationTypeError as exc:
                raise Refusal(400, exc.as_http_error_reason(), "OPERATION_NOT_CHOSEN") from None
            except InvalidOperationTypeError as exc:
                if exc.operation_type == OperationType.SUBSCRIPTION:
                    raise Refusal(
                        400,
                        "subscriptions run over WebSocket (graphql-transport-ws), not HTTP",
                        "SUBSCRIPTION_OVER_HTTP",
                    ) from None
                raise Refusal(
                    400, exc.as_http_error_reason(request_adapter.method), "OPERATION_NOT_ALLOWED"
                ) from None
            except MissingQueryError:
                raise Refusal(400, "no GraphQL query in the request", "NO_QUERY") from None

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            # strawberry answers its refusals (bad JSON, no query, a subscription over POST,
            # several operations and no operationName) as text/plain: typed JSON instead.
            try:
                response: Response[Any] = await self.run(
                    request, context=context, root_value=root_value
                )
            except StrawberryHTTPException as exc:
                return Response(refusal_body(exc), status_code=exc.status_code)
            return response

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
            """Subscriptions authenticate at connection_init: {"authorization": "Bearer …"}.
            A browser cannot set headers on a WebSocket, so the payload may name the language
            too ({"acceptLanguage": "en"}); the operations of the connection inherit it."""
            params = context.connection_params or {}
            wanted = params.get("acceptLanguage") or params.get("Accept-Language")
            if isinstance(wanted, str):
                messages.language.set(pick_language(wanted))
            raw = str(params.get("authorization") or params.get("Authorization") or "")
            scheme, _, token = raw.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "reason": "missing"})
            try:
                principal = verifier.verify(token.strip())
                await officers.require_active(context.pool, principal)
            except TokenError as exc:
                raise ConnectionRejectionError(
                    {"code": "UNAUTHENTICATED", "reason": exc.reason}
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
            if not slots.acquire(principal.subject):
                raise ConnectionRejectionError(
                    {
                        "code": "RATE_LIMITED",
                        "reason": f"at most {slots.per_principal} live connections per caller",
                    }
                )
            if context.request is not None:
                # Released by RequestMiddleware when the connection ends, however it ends.
                context.request.scope.setdefault("state", {})[WS_SLOT] = principal.subject
            context.principal = principal
            # One connection serves many operations: no per-connection DataLoader caches.
            context.loaders = Loaders(context.pool, principal)
            return {"viewer": principal.kind}

    graphql = GraphQLController

    slots = ConnectionSlots(settings.ws_connections_per_principal)

    def middleware(app: ASGIApp) -> ASGIApp:
        return RequestMiddleware(app, verifier, settings, officers, slots)

    def persisted_queries(app: ASGIApp) -> ASGIApp:
        return PersistedQueries(app, max_body_bytes=settings.max_json_body_bytes)

    handlers: list[Any] = [
        graphql,
        health_live,
        health_ready,
        metrics,
        sms_receipts,
        download_material,
    ]
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
        request_max_body_size=multipart_body_limit(settings),
        # operations, map and the files: Litestar stops parsing a form with many more parts.
        multipart_form_part_limit=settings.max_files_per_request + 4,
        exception_handlers={HTTPException: typed_http_error},
        openapi_config=None,
        debug=False,
    )
