"""Bulk loading for benchmark seeds: load tables bare, then build their keys and indexes once.

COPY into a table with its indexes and foreign keys pays for every row: a random-position insert
into each B-tree (a uuid key lands anywhere, and at 20 M history rows the indexes no longer fit in
shared buffers) and one foreign-key lookup per row. Building an index from a finished table is a
single sort, and re-adding a foreign key is one anti-join. :func:`detach` drops the keys, indexes
and foreign keys of the tables to be loaded (and foreign keys of other tables pointing at them)
and returns their definitions; :func:`reattach` builds them again, the biggest first, over a few
connections at once. Only for a database nothing else uses while it is being seeded.

The tables stay logged: with ``wal_level = replica`` an ``ALTER TABLE … SET LOGGED`` rewrites and
WAL-logs the whole table again, which costs more than it saves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import asyncpg
import msgspec


class Definition(msgspec.Struct, frozen=True):
    table: str
    name: str
    # Foreign key, key (primary / unique constraint) or index: built in the order key, index, fk.
    kind: str
    sql: str


class Detached(msgspec.Struct, frozen=True):
    definitions: list[Definition]


_DEFINITIONS = """
SELECT c.conrelid::regclass::text AS table, c.conname AS name,
       CASE c.contype WHEN 'f' THEN 'fk' ELSE 'key' END AS kind,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
              pg_get_constraintdef(c.oid)) AS sql
FROM pg_constraint c
WHERE (c.contype IN ('p', 'u') AND c.conrelid = ANY($1::regclass[]))
   OR (c.contype = 'f' AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[])))
UNION ALL
SELECT i.indrelid::regclass::text, x.relname, 'index', pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
WHERE i.indrelid = ANY($1::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                  AND c.contype IN ('p', 'u', 'x'))
"""


async def detach(conn: asyncpg.Connection, tables: Sequence[str]) -> Detached:
    """Drop the keys, indexes and foreign keys of ``tables``; their definitions to rebuild."""
    rows = await conn.fetch(_DEFINITIONS, list(tables))
    found = [Definition(**dict(r)) for r in rows]
    async with conn.transaction():
        for d in sorted(found, key=lambda d: ("fk", "index", "key").index(d.kind)):
            if d.kind == "index":
                await conn.execute(f'DROP INDEX "{d.name}"')
            else:
                await conn.execute(f'ALTER TABLE {d.table} DROP CONSTRAINT "{d.name}"')
    return Detached(definitions=found)


async def reattach(
    url: str, detached: Detached, *, jobs: int = 2, memory: str = "512MB"
) -> dict[str, float]:
    """Build every dropped key and index (biggest table first, ``jobs`` at a time), then the
    foreign keys, whose checks read those keys; the seconds each phase took."""
    connections = [await asyncpg.connect(url) for _ in range(jobs)]
    seconds: dict[str, float] = {}
    try:
        for c in connections:
            # Parallelism comes from several builds at once; one sort each is enough.
            await c.execute(
                f"SET maintenance_work_mem = '{memory}'; SET max_parallel_maintenance_workers = 0"
            )
        tables = sorted({d.table for d in detached.definitions})
        size = dict(
            await connections[0].fetch(
                "SELECT t, pg_relation_size(t::regclass) FROM unnest($1::text[]) AS t", tables
            )
        )
        for phase in (("key", "index"), ("fk",)):
            started = time.perf_counter()
            # The longest builds first, so the last one to finish is a short one.
            todo = sorted(
                (d for d in detached.definitions if d.kind in phase), key=lambda d: -size[d.table]
            )
            queue: asyncio.Queue[Definition] = asyncio.Queue()
            for d in todo:
                queue.put_nowait(d)
            await asyncio.gather(*(_drain(c, queue) for c in connections))
            seconds["+".join(phase)] = time.perf_counter() - started
    finally:
        for c in connections:
            await c.close()
    return seconds


async def _drain(conn: asyncpg.Connection, queue: asyncio.Queue[Definition]) -> None:
    while not queue.empty():
        await conn.execute(queue.get_nowait().sql)


async def vacuum_analyze(url: str, tables: Sequence[str], *, jobs: int = 2) -> None:
    """VACUUM ANALYZE ``tables``, several at once: a live database is vacuumed, and the
    visibility map lets index-only scans skip the heap. Done before the indexes exist, it is one
    pass over each heap."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for t in tables:
        queue.put_nowait(t)

    async def work() -> None:
        conn = await asyncpg.connect(url)
        try:
            while not queue.empty():
                await conn.execute(f"VACUUM ANALYZE {queue.get_nowait()}")
        finally:
            await conn.close()

    await asyncio.gather(*(work() for _ in range(jobs)))
