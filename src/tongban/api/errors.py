"""The one place where domain errors become GraphQL errors."""

from __future__ import annotations

import logging
import re
from enum import Enum
from typing import Any, cast

import asyncpg
import strawberry
from cross_web import HTTPException as StrawberryHTTPException
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors
from strawberry.scalars import JSON
from strawberry.types import ExecutionContext

from tongban.errors import DomainError, InvalidInputError, ValidationError
from tongban.messages import localise
from tongban.outages import ServiceUnavailableError, is_outage


@strawberry.enum(description="Stable category of an expected failure; front ends switch on it.")
class ErrorCode(Enum):
    VALIDATION = strawberry.enum_value("VALIDATION", description="An input broke a rule.")
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="The record does not exist.")
    CONFLICT = strawberry.enum_value(
        "CONFLICT", description="Someone else changed the record first, or it already exists."
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="The caller may not do this or see this."
    )
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED", description="No valid access token: missing, expired or forged."
    )
    INVALID_STATE = strawberry.enum_value(
        "INVALID_STATE", description="The action is not allowed in the record's current state."
    )
    CALENDAR_YEAR_UNKNOWN = strawberry.enum_value(
        "CALENDAR_YEAR_UNKNOWN",
        description="The official working-day schedule for that year is not yet published.",
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED",
        description="Too many requests from this caller; retry after `retryAfter` seconds.",
    )
    SERVICE_UNAVAILABLE = strawberry.enum_value(
        "SERVICE_UNAVAILABLE",
        description=(
            "The database or the message broker is away for a moment; nothing was changed. "
            "Retry the same request (with the same idempotency key) after `retryAfter` seconds."
        ),
    )
    DOMAIN_ERROR = strawberry.enum_value("DOMAIN_ERROR", description="Another expected failure.")


def _error_code(code: str) -> ErrorCode:
    try:
        return ErrorCode(code)
    except ValueError:
        return ErrorCode.DOMAIN_ERROR


@strawberry.type(description="An expected failure a front end can show to a person.")
class UserError:
    code: ErrorCode = strawberry.field(description="Category of the failure.")
    problem: str | None = strawberry.field(
        description="Stable code of the specific rule that failed (e.g. "
        "PROMISED_EXCEEDS_STATUTORY, STALE_VERSION); always set."
    )
    message: str = strawberry.field(
        description="Human-readable explanation, in Chinese unless the request's "
        "Accept-Language prefers English."
    )
    field: str | None = strawberry.field(
        description="The input the failure is about, as a path from the mutation's arguments "
        "(e.g. input.materials[0].file, spec.reviewPlan[1].name, number)."
    )
    details: JSON | None = strawberry.field(
        description="Extra machine-readable facts (e.g. the current version on a conflict)."
    )


def message_of(exc: DomainError) -> str:
    """The error's wording in the request's language (its category's when its own template
    needs a parameter the raise did not give)."""
    return localise(exc.problem, exc.message, exc.params, fallback=exc.code)


def _path(field: str | None, root: str | None, top_level: frozenset[str]) -> str | None:
    """A field as a path from the mutation's arguments (``input.materials[0].file``)."""
    if field is None or root is None:
        return field
    head = re.split(r"[.\[]", field, maxsplit=1)[0]
    if head == root or head in top_level:
        return field
    return f"{root}.{field}"


def user_errors(
    exc: DomainError, *, root: str | None = None, top_level: frozenset[str] = frozenset()
) -> list[UserError]:
    """The error as userErrors; ``root`` names the input argument the fields sit under (those
    in ``top_level`` are arguments of their own)."""
    if isinstance(exc, InvalidInputError):
        return [
            UserError(
                code=ErrorCode.VALIDATION,
                problem=p.code,
                message=localise(p.code, p.message, p.params, fallback="VALIDATION"),
                field=_path(p.field, root, top_level),
                details=None,
            )
            for p in exc.problems
        ]
    return [
        UserError(
            code=_error_code(exc.code),
            problem=exc.problem,
            message=message_of(exc),
            field=_path(exc.field, root, top_level),
            details=cast(JSON, dict(exc.details)) if exc.details else None,
        )
    ]


def error_extensions(exc: DomainError) -> dict[str, Any]:
    """What a query-level error carries besides its message: the same typed facts as a user
    error (category, problem, field, details)."""
    extensions: dict[str, Any] = {"code": exc.code, "problem": exc.problem}
    if exc.field:
        extensions["field"] = exc.field
    if exc.details:
        extensions["details"] = exc.details
    return extensions


def graphql_error(exc: DomainError) -> GraphQLError:
    """A query-level error (queries have no payload) with the same typed information. Query
    resolvers just raise their domain errors (``TongbanSchema.process_errors`` maps them); this
    is for errors built outside execution (subscriptions, refusals)."""
    return GraphQLError(message_of(exc), original_error=exc, extensions=error_extensions(exc))


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; keep domain errors and GraphQL's own syntax/validation errors."""
    if request_error(error):
        return False
    original = error.original_error
    return not (original is None or isinstance(original, DomainError | GraphQLError))


def _root_cause(error: GraphQLError) -> BaseException | None:
    original: BaseException | None = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def request_error(error: GraphQLError) -> bool:
    """An error in the request itself — its syntax, its validation against the schema, its
    variables — found before any resolver ran (such errors have no path): the caller's fault."""
    if error.path is not None:
        return False
    cause = _root_cause(error)
    if cause is None or isinstance(cause, GraphQLError | RecursionError):
        return True
    # Scalars (Date, JSON, …) refuse a bad literal or variable with ValueError / TypeError,
    # which graphql-core wraps in these messages; any other exception here is a fault of ours.
    return isinstance(cause, ValueError | TypeError) and error.message.startswith(
        ("Variable '$", "Expected value of type")
    )


def rejected_by_database(exc: BaseException | None) -> bool:
    """PostgreSQL (class 22, data exception) or asyncpg's argument encoder refused an input
    value: a NUL character in a text, a string where a UUID belongs. The caller's input, not a
    fault of ours — every text and id reaching SQL is covered, with no check per field."""
    return isinstance(exc, asyncpg.DataError) or (
        isinstance(exc, asyncpg.InterfaceError) and isinstance(exc, ValueError)
    )


MALFORMED_INPUT = (
    "an input value is malformed (for example a NUL character in a text, or an id that is not one)"
)


def _request_error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError) or isinstance(_root_cause(error), RecursionError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


class MaskUnexpected(MaskErrors):
    """Unexpected errors are masked — except a dependency outage (PostgreSQL or Redis lost,
    restarting, failing over), which a client can do something about: it becomes the typed,
    retryable SERVICE_UNAVAILABLE, and the HTTP response a 503 with Retry-After. An input the
    database refused (NUL byte, malformed id) is the caller's VALIDATION error."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        typed: GraphQLError | None = None
        if is_outage(error.original_error):
            typed = graphql_error(ServiceUnavailableError())
        elif rejected_by_database(_root_cause(error)):
            typed = graphql_error(ValidationError(MALFORMED_INPUT, problem="MALFORMED_INPUT"))
        if typed is not None:
            return GraphQLError(
                typed.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=typed.original_error,
                extensions=typed.extensions,
            )
        masked = super().anonymise_error(error)
        masked.message = localise("INTERNAL_SERVER_ERROR", masked.message)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


def unavailable(errors: list[Any] | None) -> bool:
    """Whether a response's errors include an outage (the controller answers 503 then)."""
    return any(
        (e.get("extensions") or {}).get("code") == ServiceUnavailableError.code
        for e in errors or ()
        if isinstance(e, dict)
    )


QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
"""Deeper, wider or more aliased than allowed, or fragments that spread themselves."""
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
"""The estimated cost exceeds the caller's budget."""
QUERY_TIMEOUT = "QUERY_TIMEOUT"
"""Execution ran past the request's deadline and was cut."""
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
"""The response would exceed the size cap."""
RATE_LIMITED = "RATE_LIMITED"
"""Too many requests from this caller in the current window (HTTP 429, Retry-After)."""
PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
"""Only the front ends' registered operations are accepted (TONGBAN_GRAPHQL_PERSISTED_ONLY)."""
RATE_LIMIT_UNAVAILABLE = "RATE_LIMIT_UNAVAILABLE"
"""The limiter cannot count (Redis away) and this caller is not let through (HTTP 503)."""


def limit_error(
    code: str, message: str, *, problem: str | None = None, **details: int | str
) -> GraphQLError:
    """A request refused or cut by a query limit: typed like every expected failure, and never
    masked (there is no original exception). ``problem`` keys its wording when the code alone
    does not (a fragment cycle is QUERY_TOO_COMPLEX too); ``details`` fill the template."""
    extensions: dict[str, Any] = {"code": code}
    if details:
        extensions["details"] = details
    return GraphQLError(localise(problem or code, message, details), extensions=extensions)


# Refusals before any GraphQL runs (bad body, too large, bad token): the same shape as a
# GraphQL error response, so a front end reads every failure the same way.
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: RATE_LIMITED,
    503: ServiceUnavailableError.code,
}


def http_error_body(
    status: int,
    message: str,
    *,
    problem: str | None = None,
    params: dict[str, Any] | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """``{"data": null, "errors": [{"message", "extensions": {"code", …}}]}`` for a refusal,
    its message in the request's language (``problem`` keys it when the status's code alone
    does not say enough; ``message`` is the English)."""
    code = HTTP_CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR")
    text = localise(problem or code, message, params, fallback=code)
    return {
        "data": None,
        "errors": [{"message": text, "extensions": {"code": code, **extensions}}],
    }


# strawberry's own refusals, by their reason, and the problem that words them.
_STRAWBERRY_REFUSALS = {
    "Unable to parse request body as JSON": "BAD_JSON",
    "No GraphQL query found in the request": "NO_QUERY",
    "Unable to parse the multipart body": "BAD_MULTIPART",
    "File(s) missing in form data": "BAD_FILES_MAP",
    "Unsupported content type": "UNSUPPORTED_MEDIA_TYPE",
}


class Refusal(StrawberryHTTPException):
    """A refusal of ours before GraphQL runs, with its problem code and the parameters of its
    wording (strawberry's HTTPException carries only an English reason)."""

    def __init__(self, status_code: int, reason: str, problem: str, **params: int | str) -> None:
        super().__init__(status_code, reason)
        self.problem = problem
        self.params = params


def refusal_body(exc: StrawberryHTTPException) -> dict[str, Any]:
    """A refusal before GraphQL runs, as a typed error body in the request's language."""
    if isinstance(exc, Refusal):
        return http_error_body(exc.status_code, exc.reason, problem=exc.problem, params=exc.params)
    return http_error_body(
        exc.status_code, exc.reason, problem=_STRAWBERRY_REFUSALS.get(exc.reason)
    )


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class TongbanSchema(strawberry.Schema):
    """The schema with Tongban's error handling: no "Did you mean …?" in production (it spells
    out field, argument and enum names introspection would have hidden)."""

    def __init__(self, *args: Any, suggestions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if not self.suggestions and "Did you mean" in error.message:
                error.message = _SUGGESTION.sub("", error.message)
            cause = _root_cause(error)
            # Expected failures are logged at INFO without a traceback: anonymous callers can
            # send invalid documents all day, and a stack per request would bury real faults.
            if request_error(error):
                if (error.extensions or {}).get("code"):
                    continue  # typed and worded already
                code = _request_error_code(error)
                too_deep = isinstance(cause, RecursionError)
                english = "the document nests too deeply" if too_deep else error.message
                _log.info("graphql request refused: %s", english, extra={"code": code})
                error.message = localise("DOCUMENT_TOO_DEEP" if too_deep else code, english)
                _set_code(error, code)
            elif isinstance(cause, DomainError):
                # The one mapping of a domain error a query resolver raised: resolvers do not
                # catch them; the error gets its category, problem, field and wording here.
                _log.info("graphql %s: %s", cause.code, cause.message, extra={"code": cause.code})
                if not (error.extensions or {}).get("problem"):
                    error.message = message_of(cause)
                    error.extensions = {**error_extensions(cause), **(error.extensions or {})}
            elif is_outage(cause):
                _log.warning("graphql: dependency unavailable: %r", cause)
            elif rejected_by_database(cause):
                _log.info("graphql: input refused by the database: %s", cause)
            elif (error.extensions or {}).get("code"):
                # Typed where it was raised (a limit, a refusal): expected, like a domain error.
                code = str((error.extensions or {})["code"])
                _log.info("graphql %s: %s", code, error.message, extra={"code": code})
            else:
                _log.error("graphql: unexpected error", exc_info=cause or error)


_log = logging.getLogger("tongban.graphql")


def _set_code(error: GraphQLError, code: str) -> None:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}


def graphql_error_body(exc: DomainError) -> dict[str, Any]:
    """A domain error as a whole response body, for refusals outside GraphQL execution."""
    return {"data": None, "errors": [graphql_error(exc).formatted]}
