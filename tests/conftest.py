"""Test fixtures: real PostgreSQL and Redis, a fresh database per test.

A template database is migrated and seeded with the demo data once per session; each test gets
its own copy (CREATE DATABASE … TEMPLATE), so tests are isolated yet start in milliseconds.
Set TONGBAN_TEST_DATABASE_URL (an admin DSN) and TONGBAN_TEST_REDIS_URL to use other servers.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from litestar import Litestar
from tests.scenarios import START

from tongban import db
from tongban.app import create_app
from tongban.auth.tokens import mint_token
from tongban.auth.types import Principal
from tongban.clock import MovableClock
from tongban.config import Settings, load_settings
from tongban.demo import load_demo_data
from tongban.migrate import migrate

ADMIN_DSN = os.environ.get(
    "TONGBAN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TONGBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_counter = itertools.count()


def dsn_for(database: str) -> str:
    return urlsplit(ADMIN_DSN)._replace(path=f"/{database}").geturl()


async def create_database(name: str, template: str | None = None) -> str:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()
    return dsn_for(name)


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_db() -> AsyncIterator[str]:
    name = f"tongban_tpl_{os.getpid()}"
    dsn = await create_database(name)
    await migrate(dsn)
    conn = await db.connect(dsn)
    try:
        await load_demo_data(conn)
    finally:
        await conn.close()
    yield name
    await drop_database(name)


@pytest.fixture
async def database(template_db: str) -> AsyncIterator[str]:
    """DSN of a fresh, migrated database with the demo data, dropped after the test."""
    name = f"tongban_t_{os.getpid()}_{next(_counter)}"
    dsn = await create_database(name, template=template_db)
    yield dsn
    await drop_database(name)


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    """DSN of a fresh database with no tables at all."""
    name = f"tongban_e_{os.getpid()}_{next(_counter)}"
    dsn = await create_database(name)
    yield dsn
    await drop_database(name)


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(REDIS_URL)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def settings(database: str, redis_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {},
        env="test",
        database_url=database,
        redis_url=redis_url,
        db_pool_max=5,
        blob_dir=str(tmp_path / "blobs"),
        max_upload_bytes=64 * 1024,
        # Tests of features send many requests from one address or token; the limits have
        # their own tests (tests/security/test_rate_limits.py), which turn them on.
        rate_limit_anonymous=0,
        rate_limit_signed_in=0,
        rate_limit_submissions=0,
        # Likewise many messages to one phone: the per-recipient cap has its own test.
        sms_per_recipient_per_hour=0,
    )


@pytest.fixture
async def conn(database: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection for arranging and asserting, separate from the app's pool."""
    connection = await db.connect(database)
    yield connection
    await connection.close()


class GraphQLClient:
    """Talks to the real app over HTTP semantics (ASGI transport) on the test's event loop."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: Settings,
        conn: asyncpg.Connection,
        clock: MovableClock,
    ):
        self.http = http
        self.settings = settings
        self._conn = conn
        self.clock = clock

    async def officer_token(self, username: str, **overrides: Any) -> str:
        row = await self._conn.fetchrow(
            """SELECT o.id::text, o.name, o.roles, o.clearance, o.department_id::text,
                      d.region_code
               FROM officer o JOIN department d ON d.id = o.department_id
               WHERE o.username = $1""",
            username,
        )
        assert row is not None, username
        principal = Principal(
            kind="officer",
            subject=f"officer:{row['id']}",
            name=row["name"],
            officer_id=row["id"],
            department_id=row["department_id"],
            region_code=row["region_code"],
            roles=frozenset(row["roles"]),
            clearance=row["clearance"],
        )
        return mint_token(self.settings, principal, **overrides)

    def applicant_token(self, applicant_id: str, name: str = "申请人", kind: str = "person") -> str:
        principal = Principal(
            kind="applicant",
            subject=f"applicant:{applicant_id}",
            name=name,
            applicant_id=applicant_id,
            applicant_type=kind,  # type: ignore[arg-type]
        )
        return mint_token(self.settings, principal)

    async def upload(
        self,
        query: str,
        variables: dict[str, Any],
        files: dict[str, tuple[str, bytes, str]],
        *,
        token: str,
    ) -> dict[str, Any]:
        """A GraphQL multipart request (files keyed by variable path, e.g. input.materials.0.file)."""
        import json

        names = {str(i): path for i, path in enumerate(files)}
        response = await self.http.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps({k: [f"variables.{p}"] for k, p in names.items()}),
            },
            files={k: files[p] for k, p in names.items()},
            headers={"authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """Run an operation that must succeed at the GraphQL level; return its data."""
        response = await self.post(query, variables, token=token)
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def as_officer(self, username: str) -> Callable[[str, dict[str, Any] | None], Any]:
        token = await self.officer_token(username)

        async def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
            return await self.execute(query, variables, token=token)

        return run


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, on the test loop.

    The lifespan runs in a task of its own: pytest-asyncio may set up and tear down a fixture in
    different tasks, and Litestar's lifespan holds an anyio cancel scope bound to one task.
    """
    started = asyncio.Event()
    stop = asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        await task  # raises the start-up error
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tongban.test") as http:
            yield http
    finally:
        stop.set()
        await task


# Tests run on a fixed date, so that working-day arithmetic never depends on the day CI runs
# (and never reaches a year whose official schedule is not yet published).


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(START)


@pytest.fixture
async def client(
    settings: Settings, conn: asyncpg.Connection, clock: MovableClock
) -> AsyncIterator[GraphQLClient]:
    async with running(create_app(settings, clock=clock)) as http:
        yield GraphQLClient(http, settings, conn, clock)
