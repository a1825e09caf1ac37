import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from tongban.migrate import DEFAULT_DIRECTORY, MigrationError, discover, migrate


async def _tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {r["tablename"] for r in rows}


async def test_running_migrations_twice_is_a_no_op(empty_database: str) -> None:
    first = await migrate(empty_database)
    assert first == [m.version for m in discover()]
    tables = await _tables(empty_database)
    assert await migrate(empty_database) == []
    assert await _tables(empty_database) == tables


async def test_four_migrators_started_at_once_all_succeed(empty_database: str) -> None:
    results = await asyncio.gather(*(migrate(empty_database) for _ in range(4)))
    applied = [r for r in results if r]
    assert len(applied) == 1, "exactly one runner applies; the others find nothing to do"
    assert applied[0] == [m.version for m in discover()]
    conn = await asyncpg.connect(empty_database)
    try:
        count = await conn.fetchval("SELECT count(*) FROM schema_migration")
        invalid = await conn.fetchval("SELECT count(*) FROM pg_index WHERE NOT indisvalid")
    finally:
        await conn.close()
    assert count == len(discover())
    assert invalid == 0, "concurrently built indexes are valid"


async def test_an_edited_applied_migration_is_refused(empty_database: str, tmp_path: Path) -> None:
    directory = tmp_path / "migrations"
    shutil.copytree(DEFAULT_DIRECTORY, directory)
    await migrate(empty_database, directory)
    first = sorted(directory.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
    (directory / "9999_later.sql").write_text("CREATE TABLE later (id int);")
    with pytest.raises(MigrationError, match="edited after it was applied"):
        await migrate(empty_database, directory)
    assert "later" not in await _tables(empty_database), "nothing is applied after a refusal"


async def test_a_failing_migration_leaves_nothing_half_written(
    empty_database: str, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    shutil.copytree(DEFAULT_DIRECTORY, directory)
    (directory / "9998_broken.sql").write_text(
        "CREATE TABLE half (id int);\nSELECT no_such_function();"
    )
    with pytest.raises(MigrationError, match=r"9998_broken\.sql failed"):
        await migrate(empty_database, directory)
    assert "half" not in await _tables(empty_database)
    (directory / "9998_broken.sql").write_text("CREATE TABLE half (id int);")
    assert await migrate(empty_database, directory) == ["9998"]


def test_migration_files_are_numbered(tmp_path: Path) -> None:
    (tmp_path / "first.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        discover(tmp_path)
