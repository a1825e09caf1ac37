"""The guide's pure rules (amounts in yuan, phone formats), and migration 0021 on a catalogue
published before guides: its matters stay searchable and have no guide."""

import shutil
from pathlib import Path

import pytest

from tongban import db
from tongban.catalogue import repository as repo
from tongban.catalogue.guide import PHONE_RE, yuan
from tongban.catalogue.types import MatterFilter
from tongban.keyset import Window
from tongban.migrate import DEFAULT_DIRECTORY, migrate


@pytest.mark.parametrize(
    ("fen", "shown"),
    [(2000, "¥20.00"), (1250, "¥12.50"), (5, "¥0.05"), (123_456_789, "¥1,234,567.89")],
)
def test_amounts_in_fen_read_in_yuan_without_rounding(fen: int, shown: str) -> None:
    assert yuan(fen) == shown


@pytest.mark.parametrize(
    "phone",
    ["020-38622312", "02038622312", "0755-1234567-801", "13800138000", "12345", "95598"],
)
def test_numbers_applicants_can_call(phone: str) -> None:
    assert PHONE_RE.match(phone)


@pytest.mark.parametrize("phone", ["call us", "1234", "20-38622312", "23800138000", " 12345", ""])
def test_what_is_not_a_phone_number(phone: str) -> None:
    assert not PHONE_RE.match(phone)


async def test_matters_published_before_guides_stay_searchable(
    empty_database: str, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    directory.mkdir()
    for path in sorted(DEFAULT_DIRECTORY.glob("*.sql")):
        if path.name < "0021":
            shutil.copy(path, directory)
    await migrate(empty_database, directory)
    conn = await db.connect(empty_database)
    try:
        await conn.execute(
            """
            INSERT INTO region (code, name, level, lineage) VALUES ('440000', '广东省', 'province',
                ARRAY['440000']);
            WITH d AS (INSERT INTO department (code, name, region_code)
                       VALUES ('GD-ZSCQJ', '广东省知识产权局', '440000') RETURNING id),
                 m AS (INSERT INTO matter (code, current_version) VALUES ('GD-OLD', 1) RETURNING id)
            INSERT INTO matter_version (matter_id, version, name, description, category, case_type,
                level, department_id, statutory_limit, promised_limit, materials, review_plan,
                published_at)
            SELECT m.id, 1, '专利权质押登记', '专利质押', '07', 2, 'province', d.id, 5, 2,
                   '[]', '[]', now()
            FROM m, d;
            """
        )
        # 0021 over the old rows, then the later migrations the current code reads.
        for path in sorted(DEFAULT_DIRECTORY.glob("*.sql")):
            if path.name >= "0021":
                shutil.copy(path, directory)
        assert (await migrate(empty_database, directory))[0] == "0021"
        for keyword in ("专利权", "gd-old"):
            found = await repo.search_current(
                conn, filter=MatterFilter(keyword=keyword), window=Window[tuple[str]](limit=10)
            )
            assert [(v.code, v.spec.guide) for v in found] == [("GD-OLD", None)]
    finally:
        await conn.close()
