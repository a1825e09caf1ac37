"""Case search and public results at a realistic size (a script, not a test; issue 17).

    uv run python bench/search.py                    # 300,000 cases, 150,000 applicants
    uv run python bench/search.py --cases 1000000    # a province's year and more
    uv run python bench/search.py --cases 2000       # smoke size

Seeds (by COPY) applicants — persons and organisations with Chinese names, mobiles, identity
numbers — and cases across the demo province's departments, regions and matters: under review
(running promised clocks due around the day measured), approved or delivered with result
numbers (some confidential), revoked, received. Then runs the SQL the ``cases(filter:)`` and
``publicResults`` fields run — one statement per page — and prints the median time of a few
runs with the indexes its plan uses, so a plan that falls back to reading a whole table shows.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from support import seeded_bench  # noqa: E402
from tongban import db  # noqa: E402
from tongban.auth.types import Principal  # noqa: E402
from tongban.cases import search_repository as search  # noqa: E402
from tongban.cases.types import CaseFilter, ColourWindow  # noqa: E402
from tongban.deadlines.clock import working_horizon  # noqa: E402
from tongban.deadlines.service import load_calendar  # noqa: E402
from tongban.keyset import Window  # noqa: E402
from tongban.supervision import public_repository as public  # noqa: E402
from tongban.supervision.types import PublicResultFilter  # noqa: E402

TODAY = date(2026, 6, 15)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文辉鹏玉兰斌浩宇"
WORDS = ["通办", "粤信", "南方", "天河", "珠江", "岭南", "华新", "恒远", "明德", "嘉禾"]
TRADES = ["科技", "贸易", "餐饮", "医药", "建材", "物流", "文化", "教育"]
APPLICANT_COLUMNS = ["id", "kind", "name", "id_number", "credit_code", "mobile"]
CASE_COLUMNS = [
    "id", "number", "matter_id", "matter_version", "applicant_id", "submitted_by",
    "idempotency_key", "request_hash", "receiving_region", "receiving_lineage",
    "handling_region", "handling_lineage", "handling_department_id", "state", "confidentiality",
    "received_at", "received_on", "accepted_on", "decided_at", "decision", "result_number",
]  # fmt: skip
CLOCK_COLUMNS = ["case_id", "kind", "start_on", "limit_days", "state", "stopped_on", "due_on"]


def applicant(n: int, rnd: random.Random) -> tuple[Any, ...]:
    if rnd.random() < 0.3:
        name = f"广州{rnd.choice(WORDS)}{rnd.choice(TRADES)}有限公司{n % 97 or ''}"
        return (uuid.uuid4(), "organisation", name, None, f"91{n:016d}", f"137{n:08d}")
    name = rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.choice((1, 2))))
    return (uuid.uuid4(), "person", name, f"44{n:016d}", None, f"139{n:08d}")


def one_case(
    n: int, rnd: random.Random, departments: list[Any], matters: list[Any], applicants: list[Any]
) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
    cid = uuid.uuid4()
    d, m = rnd.choice(departments), rnd.choice(matters)
    received_on = TODAY - timedelta(days=rnd.randrange(365))
    received = datetime.combine(received_on, datetime.min.time(), UTC) + timedelta(
        minutes=rnd.randrange(600)
    )
    roll = rnd.random()
    state, decision, decided_at, result, clock = "received", None, None, None, None
    if roll < 0.2:
        state = "under_review"
        start = TODAY - timedelta(days=rnd.randrange(20))
        limit = rnd.choice((3, 5, 10, 20))
        clock = (cid, "promised", start, limit, "running", None, start + timedelta(limit * 7 // 5))
    elif roll < 0.9:
        state = rnd.choice(("approved", "delivered", "revoked") if roll < 0.85 else ("approved",))
        decision = "approved"
        decided_at = received + timedelta(days=rnd.randrange(1, 25), minutes=rnd.randrange(600))
        result = f"穗许字〔2026〕{n:07d}号"
    confidential = 1 if rnd.random() < 0.1 else 0
    case = (
        cid, f"S{n:020d}", m["id"], m["current_version"], rnd.choice(applicants), "bench",
        f"bench-{n}", "x", d["region_code"], d["lineage"], d["region_code"], d["lineage"],
        d["id"], state, confidential, received, received_on,
        None if state == "received" else received_on, decided_at, decision, result,
    )  # fmt: skip
    return case, clock


async def seed(url: str, *, count: int) -> None:
    conn = await db.connect(url)
    departments = list(
        await conn.fetch(
            "SELECT d.id, d.region_code, r.lineage FROM department d"
            " JOIN region r ON r.code = d.region_code"
        )
    )
    matters = list(
        await conn.fetch("SELECT id, current_version FROM matter WHERE current_version IS NOT NULL")
    )
    rnd = random.Random(17)
    people = [applicant(n, rnd) for n in range(max(1, count // 2))]
    await conn.copy_records_to_table("applicant", columns=APPLICANT_COLUMNS, records=people)
    ids = [p[0] for p in people]
    step = 50_000
    for offset in range(0, count, step):
        cases, clocks = [], []
        for n in range(offset, min(count, offset + step)):
            case, clock = one_case(n, rnd, departments, matters, ids)
            cases.append(case)
            if clock is not None:
                clocks.append(clock)
        await conn.copy_records_to_table("case_record", columns=CASE_COLUMNS, records=cases)
        await conn.copy_records_to_table("deadline_clock", columns=CLOCK_COLUMNS, records=clocks)
    await conn.execute("VACUUM ANALYZE applicant, case_record, deadline_clock")
    await conn.close()


class Recording:
    """A connection that keeps the last statement it ran, to EXPLAIN it afterwards."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.last: tuple[str, tuple[Any, ...]] = ("", ())

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.last = (sql, args)
        rows: list[Any] = await self.conn.fetch(sql, *args)
        return rows


def officer_searches(tianhe: str, red: ColourWindow) -> dict[str, tuple[CaseFilter, Any]]:
    yellow = ColourWindow(
        colour="yellow", today=red.today, horizon=red.horizon,
        yellow_min_days=red.yellow_min_days, yellow_divisor=red.yellow_divisor,
    )  # fmt: skip
    may = datetime(2026, 5, 1, tzinfo=UTC)
    return {
        "keyword 通办科 (organisation names)": (CaseFilter(keyword="通办科"), "received_desc"),
        "applicantMobile exact": (CaseFilter(applicant_mobile="13900001234"), "received_desc"),
        "applicantCreditCode exact": (
            CaseFilter(applicant_credit_code=f"91{123:016d}"), "received_desc"
        ),
        "colour RED in Guangzhou (440100)": (
            CaseFilter(colour=red, region_code="440100"), "due_asc"
        ),
        "colour YELLOW of Tianhe's market regulator": (
            CaseFilter(colour=yellow, department_id=tianhe), "due_asc"
        ),
        "decided in May, newest decision first": (
            CaseFilter(decided_from=may, decided_before=may + timedelta(days=31)), "decided_desc"
        ),
        "region 440106, newest received first": (
            CaseFilter(region_code="440106"), "received_desc"
        ),
    }  # fmt: skip


PUBLIC = {
    "first page, no filter": PublicResultFilter(),
    "keyword 〔2026〕00012 (result number)": PublicResultFilter(keyword="〔2026〕00012"),
    "keyword 粤信餐 (organisation names)": PublicResultFilter(keyword="粤信餐"),
    "keyword 营业执照 (a matter's name: many hits)": PublicResultFilter(keyword="营业执照"),
    "matter GD-BL-001 in Guangzhou": PublicResultFilter(
        matter_code="GD-BL-001", region_code="440100"
    ),
}


async def pages(conn: Any) -> dict[str, Callable[[Recording], Awaitable[Any]]]:
    """Name → one page of 50 as the GraphQL field reads it (one statement)."""
    tianhe = await conn.fetchval("SELECT id::text FROM department WHERE code = 'TH-SCJG'")
    supervisor = Principal(
        kind="officer", subject="officer:bench", officer_id=str(uuid.uuid4()),
        department_id=tianhe, region_code="440000", roles=frozenset({"supervisor"}), clearance=3,
    )  # fmt: skip
    red = ColourWindow(
        colour="red", today=TODAY, horizon=working_horizon(await load_calendar(conn), TODAY, 250),
        yellow_min_days=2, yellow_divisor=3,
    )  # fmt: skip
    window: Window[Any] = Window(limit=51)
    found: dict[str, Callable[[Recording], Awaitable[Any]]] = {}
    for name, (f, sort) in officer_searches(tianhe, red).items():
        found[f"cases: {name}"] = lambda c, f=f, sort=sort: search.search_cases(
            c, principal=supervisor, filter=f, sort=sort, window=window
        )
    for name, pf in PUBLIC.items():
        found[f"publicResults: {name}"] = lambda c, pf=pf: public.public_results(
            c, filter=pf, window=window
        )
    return found


async def measure(url: str, repeat: int) -> None:
    conn = await db.connect(url)
    recording = Recording(conn)
    for name, run in (await pages(conn)).items():
        rows = await run(recording)  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            await run(recording)
            times.append(time.perf_counter() - started)
        sql, args = recording.last
        plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {sql}", *args))
        indexes = sorted(set(re.findall(r"(?: using|Index Scan on) (\w+)", plan)))
        scans = sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))
        print(f"  {name}: {statistics.median(times) * 1000:.1f} ms ({len(rows)} rows)")
        print(f"      indexes: {', '.join(indexes) or '-'}; seq scans: {', '.join(scans) or '-'}")
    await conn.close()


async def main() -> None:
    await seeded_bench(
        __doc__,
        name="tongban_bench_search",
        default_cases=300_000,
        seed=seed,
        measure=measure,
        seeded_as="cases",
        heading="one page of 50",
    )


if __name__ == "__main__":
    asyncio.run(main())
