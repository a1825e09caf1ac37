"""Recording what a GraphQL operation showed unmasked, for the personal-data access audit.

A resolver that shows an applicant's ID number, mobile or e-mail unmasked notes it
(:func:`note`) in the operation's collector; the schema writes the operation's notes in one
set-based insert after execution and **before the response leaves** — per HTTP request, and
per delivered event of a subscription. If that write fails the result is replaced by a
retryable ``SERVICE_UNAVAILABLE`` (problem ``AUDIT_UNAVAILABLE``): the unmasked data is never
sent unrecorded (fail closed). A mutation's change is committed by then; only its reply is
withheld, and reading the case again is recorded like any read.

The collector lives in a context variable set when the operation starts, in the task that runs
it: one WebSocket connection runs several subscriptions at once, each in its own task, so a
per-connection context object could mix their notes.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import AsyncGenerator
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from tongban.api.errors import TongbanSchema, graphql_error
from tongban.audit import service
from tongban.audit.errors import AuditUnavailableError
from tongban.audit.types import Access, Channel
from tongban.logs import request_id_var

log = logging.getLogger(__name__)


class Collector:
    """The unmasked fields one operation (or one subscription event) showed, per case."""

    def __init__(self, default_channel: Channel) -> None:
        self.default_channel: Channel = default_channel
        self.channels: dict[str | int, Channel] = {}
        self.accesses: list[Access] = []

    def take(self) -> list[Access]:
        taken, self.accesses = self.accesses, []
        return taken


_collector: contextvars.ContextVar[Collector | None] = contextvars.ContextVar(
    "tongban_pii_collector", default=None
)


def _root_key(info: Any) -> str | int:
    path = info.path
    while path.prev is not None:
        path = path.prev
    key: str | int = path.key
    return key


def channel(info: Any, value: Channel) -> None:
    """How the root field ``info`` belongs to shows cases (a search, a worklist): the channel
    of what its cases show unmasked."""
    collector = _collector.get()
    if collector is not None:
        collector.channels[_root_key(info)] = value


def note(info: Any, case_id: str | None, field: str) -> None:
    """``field`` of ``case_id``'s applicant is being shown unmasked to the caller. Only
    officers are recorded; an applicant's own data, outside any case, is not."""
    if case_id is None or not info.context.principal.is_officer:
        return
    collector = _collector.get()
    if collector is None:
        # No operation to record it with: the field fails instead of showing the value.
        raise RuntimeError("personal data shown outside an audited operation")
    chosen = collector.channels.get(_root_key(info), collector.default_channel)
    collector.accesses.append(Access(case_id=case_id, channel=chosen, fields=(field,)))


async def _flush(context: Any, collector: Collector) -> bool:
    """Write the collector's notes; False when that failed (the caller withholds the data)."""
    accesses = collector.take()
    if not accesses:
        return True
    try:
        # One INSERT, atomic on its own: no BEGIN and COMMIT around it (two round trips of a
        # case view's three statements).
        async with context.pool.acquire() as conn:
            await service.record(
                conn,
                context.principal,
                accesses,
                at=context.clock.now(),
                request_id=request_id_var.get(),
                client_address=context.client_address,
            )
    except Exception:
        log.exception("personal-data access not recorded: the response is withheld")
        return False
    return True


def _withheld() -> ExecutionResult:
    error: GraphQLError = graphql_error(
        AuditUnavailableError("the access could not be recorded; retry shortly")
    )
    return ExecutionResult(data=None, errors=[error])


class AuditedSchema(TongbanSchema):
    """The schema that records what each operation showed unmasked before answering."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        collector = Collector("case_view")
        token = _collector.set(collector)
        try:
            result = await super().execute(*args, **kwargs)
        finally:
            _collector.reset(token)
        context = kwargs.get("context_value", args[2] if len(args) > 2 else None)
        if collector.accesses and not await _flush(context, collector):
            return _withheld()
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        # graphql-transport-ws runs every operation through ``stream`` (``subscribe`` too).
        result = await super().stream(*args, **kwargs)
        if isinstance(result, ExecutionResult):
            return result
        context = kwargs.get("context_value", args[2] if len(args) > 2 else None)
        return _audited(result, context)


async def _audited(results: AsyncGenerator[Any, None], context: Any) -> AsyncGenerator[Any, None]:
    """A subscription's results, each recorded before it is delivered. Runs in the task of
    the subscription, so the collector is this subscription's alone."""
    collector = Collector("subscription")
    _collector.set(collector)
    async with contextlib.aclosing(results) as events:
        async for result in events:
            if collector.accesses and not await _flush(context, collector):
                yield _withheld()
                return
            yield result
