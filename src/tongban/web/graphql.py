"""The GraphQL endpoint: strawberry's Litestar controller with Tongban's rules — typed JSON
refusals, body and document limits, the multipart file map, outage status codes, the response cap
and WebSocket authentication with per-caller connection slots."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from cross_web import HTTPException as StrawberryHTTPException
from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.response import Response
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.litestar import make_graphql_controller
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from tongban import messages
from tongban.api.connections import ConnectionSlots
from tongban.api.context import Context
from tongban.api.errors import (
    Refusal,
    refusal_body,
    unavailable,
)
from tongban.api.guards import cut_if_timed_out
from tongban.api.http import MsgspecJson, capped_json, without_thread_hops
from tongban.api.loaders import Loaders
from tongban.api.schema import build_schema
from tongban.auth.errors import TokenError
from tongban.auth.status import OfficerStatus
from tongban.auth.tokens import TokenVerifier
from tongban.auth.types import ANONYMOUS, Principal
from tongban.config import Settings
from tongban.messages import pick_language
from tongban.outages import RETRY_AFTER_SECONDS, is_outage
from tongban.web.middleware import WS_SLOT

_API_DIR = Path(__file__).resolve().parent.parent / "api"
# GraphiQL (development) and the files it loads, served by the API itself: no CDN, so it works
# offline and in locked-down networks (api/static/vendor/graphiql/README.md lists versions and
# licences).
GRAPHIQL_PAGE = _API_DIR / "graphiql.html"
GRAPHIQL_ASSETS = _API_DIR / "static" / "vendor" / "graphiql"
GRAPHIQL_ASSETS_PATH = "/static/graphiql"


def check_files_map(files_map: dict[str, Any], files: Mapping[str, Any], limit: int) -> None:
    """The GraphQL multipart `map`: at most ``limit`` files, each bound to exactly one variable
    (one upload read into several inputs would pass each check once and be stored many times)."""
    # The parsed form lists the `operations` and `map` parts among its files too: they are
    # not uploads (counting them left 6 files of the 8 allowed; issue 16's bundles need 8).
    uploads = [k for k in files if k not in ("operations", "map")]
    if len(files_map) > limit or len(uploads) > limit:
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


async def get_context(request: Request[Any, Any, Any], state: State) -> Context:
    principal = await _resolved(state, request.scope.get("state", {}).get("principal"))
    return Context(
        request=request,
        settings=state.settings,
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


class GraphQLRules(MsgspecJson):
    """What the API changes in strawberry's controller; ``graphql_controller`` binds it to the
    settings and the shared token verifier, officer status cache and connection slots."""

    tongban_settings: Settings
    verifier: TokenVerifier
    officers: OfficerStatus
    slots: ConnectionSlots
    graphiql_page: str
    schema: Any
    run: Any
    parse_json: Any

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
        check_files_map(files_map, form_data.files, self.tongban_settings.max_files_per_request)
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
        data = await cast(Any, super()).parse_http_body(request)
        # Parsing and validation cost grows with the document: a long one is refused unread.
        limit = self.tongban_settings.graphql_max_query_chars
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

    def create_response(self, response_data: Any, sub_response: Response[bytes]) -> Response[bytes]:
        response: Response[bytes] = cast(Any, super()).create_response(response_data, sub_response)
        results = response_data if isinstance(response_data, list) else [response_data]
        if any(unavailable(r.get("errors")) for r in results):
            # A typed, retryable outage: proxies and clients back off and retry.
            response.status_code = 503
            response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return response

    @property
    def graphql_ide_html(self) -> str:
        return self.graphiql_page

    async def process_result(
        self, request: Request[Any, Any, Any], result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        return process_result(cut_if_timed_out(result))

    def encode_json(self, data: object) -> bytes:
        return capped_json(data, self.tongban_settings.graphql_max_response_bytes)

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
            principal = self.verifier.verify(token.strip())
            await self.officers.require_active(context.pool, principal)
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
        if not self.slots.acquire(principal.subject):
            raise ConnectionRejectionError(
                {
                    "code": "RATE_LIMITED",
                    "reason": f"at most {self.slots.per_principal} live connections per caller",
                }
            )
        if context.request is not None:
            # Released by RequestMiddleware when the connection ends, however it ends.
            context.request.scope.setdefault("state", {})[WS_SLOT] = principal.subject
        context.principal = principal
        # One connection serves many operations: no per-connection DataLoader caches.
        context.loaders = Loaders(context.pool, principal)
        return {"viewer": principal.kind}


def graphql_controller(
    settings: Settings,
    verifier: TokenVerifier,
    officers: OfficerStatus,
    slots: ConnectionSlots,
) -> type:
    base = make_graphql_controller(
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
    page = GRAPHIQL_PAGE.read_text(encoding="utf-8") if settings.development else ""
    return type(
        "GraphQLController",
        (GraphQLRules, base),
        {
            "dependencies": without_thread_hops(base.dependencies),
            "tongban_settings": settings,
            "verifier": verifier,
            "officers": officers,
            "slots": slots,
            "graphiql_page": page,
        },
    )
