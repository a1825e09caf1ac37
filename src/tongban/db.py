"""PostgreSQL access: the pool, codecs and a per-request statement counter."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import msgspec

from tongban.config import Settings

_json_encoder = msgspec.json.Encoder()
_json_decoder = msgspec.json.Decoder()

# A mutable cell per request: asyncpg calls query loggers through ``loop.call_soon`` in a copy
# of the caller's context, so the cell (not the variable) must be mutated.
_statement_counter: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "tongban_statement_counter", default=None
)


def _encode_jsonb(value: Any) -> bytes:
    # jsonb binary format: a version byte (1) followed by the JSON text.
    return b"\x01" + _json_encoder.encode(value)


def _decode_jsonb(data: bytes) -> Any:
    return _json_decoder.decode(data[1:])


def _count_statement(_record: Any) -> None:
    cell = _statement_counter.get()
    if cell is not None:
        cell[0] += 1


# JIT compilation pays off for queries running minutes; the supervision figures aggregate a
# year of the province (~1 s) and their row estimates cross the JIT thresholds, where compiling
# took 3 s of a 4 s query (bench/supervision.py). Everything else here is short OLTP.
NO_JIT = {"jit": "off"}


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog", format="binary"
    )
    conn.add_query_logger(_count_statement)


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Released connections skip asyncpg's reset query (advisory unlock, CLOSE ALL, UNLISTEN,
    RESET ALL: a round trip per release, an eighth of a GraphQL request's CPU). Pooled
    connections never hold session state — session advisory locks, LISTEN and SET use dedicated
    connections (see migrate.py, events/relay.py) — and asyncpg still rolls back an open
    transaction on release."""


class Connection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection that is never handed out again once its socket or its protocol
    state was lost mid-statement (a PostgreSQL restart or failover): asyncpg would return it
    to the pool, and every later request drawing it would fail ("another operation is in
    progress") until the process restarted."""

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute(*args, **kwargs)
        except Exception as exc:
            self._discard_if_broken(exc)
            raise

    async def _execute(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._execute(*args, **kwargs)
        except Exception as exc:
            self._discard_if_broken(exc)
            raise

    def _discard_if_broken(self, exc: Exception) -> None:
        broken = (OSError, asyncpg.InternalClientError, asyncpg.PostgresConnectionError)
        if isinstance(exc, broken) and not self.is_closed():
            self.terminate()


async def create_pool(
    settings: Settings, *, dsn: str | None = None, application_name: str = "tongban"
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn or settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        statement_cache_size=settings.db_statement_cache_size,
        init=init_connection,
        reset=_keep_session,
        connection_class=Connection,
        server_settings={"application_name": application_name, "timezone": "UTC", **NO_JIT},
    )
    assert pool is not None
    return pool


@contextmanager
def count_statements() -> Iterator[list[int]]:
    """Count the SQL statements run in this context (tests and benchmarks read ``cell[0]``)."""
    cell = [0]
    token = _statement_counter.set(cell)
    try:
        yield cell
    finally:
        _statement_counter.reset(token)


def current_statement_count() -> int | None:
    cell = _statement_counter.get()
    return None if cell is None else cell[0]


async def connect(dsn: str) -> asyncpg.Connection:
    """A single connection with the same codecs as the pool (CLI tools, seeding, tests)."""
    conn = await asyncpg.connect(dsn, server_settings=NO_JIT)
    await init_connection(conn)
    return conn
