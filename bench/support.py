"""What every benchmark needs: a database of its own on the test PostgreSQL, and free ports."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tongban import db  # noqa: E402
from tongban.demo import load_demo_data  # noqa: E402
from tongban.migrate import migrate  # noqa: E402

ADMIN = os.environ.get("TONGBAN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def dsn(name: str) -> str:
    return urlsplit(ADMIN)._replace(path=f"/{name}").geturl()


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def recreate_database(name: str) -> str:
    """An empty database ``name`` (dropped first if it exists); its URL."""
    await drop_database(name)
    admin = await asyncpg.connect(ADMIN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return dsn(name)


async def fresh_database(name: str) -> str:
    """A new database ``name``, migrated, with the demo regions, departments and catalogue."""
    url = await recreate_database(name)
    await migrate(url)
    conn = await db.connect(url)
    try:
        await load_demo_data(conn)
    finally:
        await conn.close()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


async def seeded_bench(
    doc: str | None,
    *,
    name: str,
    default_cases: int,
    seed: Callable[..., Awaitable[None]],
    measure: Callable[[str, int], Awaitable[None]],
    seeded_as: str,
    heading: str,
) -> None:
    """A benchmark over a COPY-seeded database of its own: ``--cases``, ``--repeat``, and
    ``--keep`` / ``--reuse`` to time a kept database again without seeding it anew."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=default_cases)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a kept database again")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; PostgreSQL at {urlsplit(ADMIN).hostname}")
    database = f"{name}_{args.cases}"
    if args.reuse:
        url = dsn(database)
    else:
        url = await fresh_database(database)
        started = time.perf_counter()
        await seed(url, count=args.cases)
        print(f"seeded {args.cases:,} {seeded_as} in {time.perf_counter() - started:.1f} s")
    try:
        print(f"{heading}, median of {args.repeat}:")
        await measure(url, args.repeat)
    finally:
        if not args.keep:
            await drop_database(database)
