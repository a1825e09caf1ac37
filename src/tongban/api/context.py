"""The per-request GraphQL context."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import redis.asyncio as aioredis
import strawberry
from arq.connections import ArqRedis
from strawberry.litestar import BaseContext

from tongban.api import ratelimit
from tongban.api.errors import RATE_LIMITED, graphql_error, limit_error
from tongban.api.loaders import Loaders
from tongban.api.pagination import DEFAULT_PAGE_SIZE, PageRequest, page_request
from tongban.auth.errors import TokenError
from tongban.auth.service import ApplicantDirectory
from tongban.auth.types import Principal
from tongban.blobs import BlobStore
from tongban.clock import Clock
from tongban.config import Settings
from tongban.deadlines.tasks import schedule_jobs

T = TypeVar("T")


class Context(BaseContext, kw_only=True):
    settings: Settings
    pool: asyncpg.Pool
    principal: Principal
    loaders: Loaders
    blobs: BlobStore
    clock: Clock
    arq: ArqRedis | None = None
    redis: aioredis.Redis | None = None
    pubsub: aioredis.Redis | None = None
    """Redis for subscriptions only: no read timeout, as a quiet channel is normal."""
    connection_params: dict[str, object] | None = None
    applicants: ApplicantDirectory | None = None

    async def after_commit(self, case_ids: list[str]) -> None:
        """Defer deadline jobs for the cases a committed change touched (best effort: the
        sweeper catches whatever could not be enqueued)."""
        if self.arq is None:
            return
        try:
            await schedule_jobs(self.pool, self.arq, case_ids=case_ids, clock=self.clock)
        except Exception:
            logging.getLogger(__name__).warning("deadline jobs not enqueued", exc_info=True)

    @property
    def client_address(self) -> str:
        """The caller's address (uvicorn takes it from X-Forwarded-For behind the ingress)."""
        client = self.request.client if self.request is not None else None
        return client.host if client is not None else "unknown"

    async def limit_submissions(self) -> None:
        """Refuse a submission beyond the caller's stricter submission limit (one window token
        filed 300 cases in 4.4 s, each sending an SMS). Fails open when Redis is away: intake
        goes on, and the idempotency keys still hold."""
        if self.redis is None:
            return
        verdict = await ratelimit.hit(
            self.redis,
            bucket="submissions",
            caller=self.principal.subject,
            limit=self.settings.rate_limit_submissions,
            window_seconds=self.settings.rate_limit_window_seconds,
            fail_open=True,
        )
        if verdict.allowed:
            return
        if self.response is not None:
            self.response.status_code = 429
            self.response.headers["retry-after"] = str(verdict.retry_after)
        raise limit_error(
            RATE_LIMITED,
            "too many submissions; try again later",
            problem="SUBMISSIONS_RATE_LIMITED",
            retryAfter=verdict.retry_after,
        )

    def require_signed_in(self) -> Principal:
        """Everything but the public catalogue needs a valid token."""
        if self.principal.is_anonymous:
            raise graphql_error(
                TokenError("missing", "sign in: this needs a valid bearer access token")
            )
        return self.principal

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """The request owns the transaction; services only receive the connection."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    async def read(self, query: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """One read on a pooled connection of its own (a read needs no transaction)."""
        async with self.pool.acquire() as conn:
            return await query(conn)

    def counter(
        self, count: Callable[[asyncpg.Connection], Awaitable[int]]
    ) -> Callable[[], Awaitable[int]]:
        """A connection's ``totalCount``: read on its own connection, and only when asked."""
        return lambda: self.read(count)

    def page(
        self,
        *,
        first: int | None,
        after: str | None,
        last: int | None,
        before: str | None,
        default: int = DEFAULT_PAGE_SIZE,
    ) -> PageRequest:
        """The Relay arguments, checked against this deployment's largest page."""
        return page_request(
            first=first,
            after=after,
            last=last,
            before=before,
            maximum=self.settings.graphql_max_page_size,
            default=default,
        )


Info = strawberry.Info[Context, Any]
