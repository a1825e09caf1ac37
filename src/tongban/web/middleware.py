"""Every HTTP request and WebSocket upgrade passes here first: request id, access log, metrics,
security headers, body limits, bearer-token verification and the request rate limit."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any, cast

import msgspec
import redis.asyncio as aioredis
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from tongban import db, messages
from tongban.api import ratelimit
from tongban.api.connections import ConnectionSlots
from tongban.api.errors import (
    RATE_LIMIT_UNAVAILABLE,
    RATE_LIMITED,
    graphql_error_body,
    http_error_body,
)
from tongban.api.ratelimit import ALLOWED, Verdict
from tongban.auth.errors import TokenError
from tongban.auth.status import OfficerStatus
from tongban.auth.tokens import TokenVerifier
from tongban.auth.types import ANONYMOUS, Principal
from tongban.config import Settings
from tongban.logs import request_id_var
from tongban.messages import localise, pick_language
from tongban.metrics import (
    HTTP_LATENCY,
    HTTP_REQUESTS,
)
from tongban.outages import RETRY_AFTER_SECONDS, ServiceUnavailableError, is_outage

log = logging.getLogger("tongban.http")
# Where a WebSocket's scope keeps the principal holding one of its live-connection slots.
WS_SLOT = "tongban_ws_slot"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
# Paths authenticated otherwise (probes, scrapes; the SMS provider signs its receipts).
# (Signed download links carry their permission; a browser follows them without a token.)
# /licences/: anyone verifies an electronic licence, with or without a token.
_UNAUTHENTICATED_PATHS = ("/health/", "/metrics", "/notifications/", "/files/", "/licences/")
# The API, the CSV exports (each export holds a connection while it streams) and the public
# licence verification (limited per address like any anonymous traffic).
_RATE_LIMITED_PATHS = (
    "/graphql",
    "/audit/pii-access.csv",
    "/cases/export.csv",
    "/public/results",
    "/licences/verify",
    "/licences/signing-keys",
)
_RATE_LIMITED_PREFIXES = ("/exports/",)
_encoder = msgspec.json.Encoder()
# On every response: browsers must not guess a JSON answer is HTML, and no cache (shared or
# the browser's) may keep a response, which may carry personal data.
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]
_SECURITY_HEADER_NAMES = {name for name, _ in _SECURITY_HEADERS}
# Answers the same for everyone and free of personal data: their handler's own Cache-Control
# stands (public results, 结果公示); without one, no-store as everywhere.
_PUBLIC_PATHS = ("/public/results",)


def _security_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    if path in _PUBLIC_PATHS:
        own = [h for h in headers if h[0].lower() == b"cache-control"]
        if own:
            return [h for h in _SECURITY_HEADERS if h[0] != b"cache-control"] + own[:1]
    return _SECURITY_HEADERS


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
                    *_security_headers(path, message["headers"]),
                    (b"x-request-id", request_id.encode()),
                ]
                if self.statements_header:
                    message["headers"].append(
                        (b"x-sql-statements", str(statement_cell[0]).encode())
                    )
            await send(asgi_message)

        try:
            await self._admit(asgi_scope, headers, receive, send_wrapper)
        finally:
            self._finish(scope, route, status_holder[0], started)
            statements.__exit__(None, None, None)
            messages.language.reset(language_token)
            request_id_var.reset(token)

    async def _admit(
        self,
        asgi_scope: Scope,
        headers: dict[str, str],
        receive: Receive,
        send_wrapper: Send,
    ) -> None:
        """Body limit, token and rate limit; then the app, or the refusal."""
        scope = cast(dict[str, Any], asgi_scope)
        path: str = scope["path"]
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
        if path in _RATE_LIMITED_PATHS or path.startswith(_RATE_LIMITED_PREFIXES):
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

    def _finish(self, scope: dict[str, Any], route: str, status: int, started: float) -> None:
        """Release a WebSocket's connection slot; count, time and log an HTTP request."""
        path: str = scope["path"]
        held = scope.get("state", {}).pop(WS_SLOT, None) if scope["type"] == "websocket" else None
        if held is not None and self.slots is not None:
            self.slots.release(held)
        if scope["type"] == "http":
            elapsed = time.perf_counter() - started
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(route).observe(elapsed)
            if route not in ("/health/live", "/health/ready", "/metrics"):
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )

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
