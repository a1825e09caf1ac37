"""Apply numbered raw-SQL migrations, safely when several pods start at once.

- One runner at a time holds a session advisory lock. It is taken with ``pg_try_advisory_lock``
  polling on a dedicated connection: a blocking ``pg_advisory_lock`` would sit in an open
  transaction, and ``CREATE INDEX CONCURRENTLY`` waits for every open transaction — a deadlock
  (STACK_NOTES, tested with four runners).
- Every applied file's SHA-256 is recorded; a file edited after it was applied stops the run.
- A file whose first line is ``-- tongban:no-transaction`` runs statement by statement outside a
  transaction (needed for ``CREATE INDEX CONCURRENTLY``); every other file runs in one
  transaction with a ``lock_timeout`` so a migration never queues behind live traffic forever.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from pathlib import Path

import asyncpg
import msgspec

log = logging.getLogger(__name__)

LOCK_KEY = 0x7467_6D69_6772  # "tgmigr": one key for the whole schema
NO_TRANSACTION_MARKER = "-- tongban:no-transaction"
_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "migrations"


class MigrationError(Exception):
    """The migrations on disk and in the database disagree, or one failed."""


class Migration(msgspec.Struct, frozen=True):
    version: str
    name: str
    path: Path
    sql: str
    checksum: str

    @property
    def transactional(self) -> bool:
        return not self.sql.lstrip().startswith(NO_TRANSACTION_MARKER)


def discover(directory: Path = DEFAULT_DIRECTORY) -> list[Migration]:
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        sql = path.read_text(encoding="utf-8")
        found.append(
            Migration(
                version=match.group(1),
                name=match.group(2),
                path=path,
                sql=sql,
                checksum=hashlib.sha256(sql.encode()).hexdigest(),
            )
        )
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers in {directory}")
    return found


def _statements(sql: str) -> list[str]:
    """Split a no-transaction file on semicolons at line ends (such files hold simple DDL)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*$", body, flags=re.MULTILINE) if s.strip()]


async def _acquire_lock(conn: asyncpg.Connection, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
        if time.monotonic() > deadline:
            raise MigrationError(f"another migrator held the lock for over {wait_seconds:.0f} s")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)


async def migrate(
    dsn: str,
    directory: Path = DEFAULT_DIRECTORY,
    *,
    lock_wait_seconds: float = 600.0,
    lock_timeout: str = "10s",
) -> list[str]:
    """Apply pending migrations; return the versions applied by this call (empty: no-op)."""
    migrations = discover(directory)
    conn = await asyncpg.connect(dsn, server_settings={"application_name": "tongban-migrate"})
    try:
        await _acquire_lock(conn, lock_wait_seconds)
        try:
            return await _apply(conn, migrations, lock_timeout)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    finally:
        await conn.close()


async def _apply(
    conn: asyncpg.Connection, migrations: list[Migration], lock_timeout: str
) -> list[str]:
    await conn.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migration (
            version text PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            duration_ms integer NOT NULL
        )
        """
    )
    applied = {
        r["version"]: r
        for r in await conn.fetch("SELECT version, name, checksum FROM schema_migration")
    }
    on_disk = {m.version for m in migrations}
    missing = sorted(set(applied) - on_disk)
    if missing:
        raise MigrationError(f"applied migrations missing on disk: {', '.join(missing)}")
    for m in migrations:
        row = applied.get(m.version)
        if row is not None and row["checksum"] != m.checksum:
            raise MigrationError(
                f"{m.path.name} was edited after it was applied (checksum differs); "
                "never edit an applied migration — add a new one"
            )
    done: list[str] = []
    for m in migrations:
        if m.version in applied:
            continue
        started = time.monotonic()
        log.info("applying migration", extra={"migration": m.path.name})
        try:
            if m.transactional:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL lock_timeout = '{lock_timeout}'")
                    await conn.execute(m.sql)
                    await _record(conn, m, started)
            else:
                await conn.execute(f"SET lock_timeout = '{lock_timeout}'")
                for statement in _statements(m.sql):
                    await conn.execute(statement)
                await conn.execute("RESET lock_timeout")
                await _record(conn, m, started)
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"{m.path.name} failed: {exc}") from exc
        done.append(m.version)
    return done


async def _record(conn: asyncpg.Connection, m: Migration, started: float) -> None:
    await conn.execute(
        "INSERT INTO schema_migration (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
        m.version,
        m.name,
        m.checksum,
        int((time.monotonic() - started) * 1000),
    )
