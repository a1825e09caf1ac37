import asyncpg

from tongban import db
from tongban.demo import load_demo_data
from tongban.demo.matters import MATTERS


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {
        t: await conn.fetchval(f"SELECT count(*) FROM {t}")
        for t in ("region", "department", "officer", "matter", "matter_version")
    }


async def test_loading_the_demo_data_again_changes_nothing(database: str) -> None:
    conn = await db.connect(database)
    try:
        before = await _counts(conn)
        assert await load_demo_data(conn) == {"matters": 0}
        assert await _counts(conn) == before
    finally:
        await conn.close()


async def test_the_demo_has_four_levels_every_role_and_the_matters_people_ask_about(
    conn: asyncpg.Connection,
) -> None:
    levels = {
        r["level"]: r["n"]
        for r in await conn.fetch("SELECT level, count(*) AS n FROM region GROUP BY level")
    }
    assert levels == {"province": 1, "city": 2, "county": 4, "township": 4}
    roles = {r for row in await conn.fetch("SELECT roles FROM officer") for r in row["roles"]}
    assert roles == {"intake", "reviewer", "head", "supervisor", "admin"}
    names = " ".join(m.name for m in MATTERS)
    for keyword in (
        "营业执照",
        "养老保险",
        "公积金提取",
        "公积金个人住房贷款",
        "结婚",
        "离婚",
        "生育津贴",
        "公共租赁住房",
        "工资",
        "商标",
    ):
        assert keyword in names, keyword
    assert len(MATTERS) >= 10


async def test_some_matters_are_reviewed_in_parallel_and_one_crosses_levels(
    conn: asyncpg.Connection,
) -> None:
    rows = await conn.fetch(
        """SELECT m.code, v.review_plan, d.region_code AS home
           FROM matter m JOIN matter_version v ON v.matter_id = m.id
           JOIN department d ON d.id = v.department_id"""
    )
    parallel = [
        r["code"]
        for r in rows
        if any(s["mode"] == "parallel" and len(s["department_ids"]) > 1 for s in r["review_plan"])
    ]
    assert len(parallel) >= 2
    regions = {
        r["id"]: r["region_code"]
        for r in await conn.fetch("SELECT id::text, region_code FROM department")
    }
    crossing = [
        r["code"]
        for r in rows
        if len({regions[d] for s in r["review_plan"] for d in s["department_ids"]}) > 1
    ]
    assert "GZ-PUBLIC-RENTAL" in crossing
