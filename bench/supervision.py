"""Supervision figures benchmark (a script, not a test).

    uv run python bench/supervision.py                    # 1,000,000 cases over a year
    uv run python bench/supervision.py --cases 2000       # smoke size

Seeds (by COPY) cases handled across the demo province's departments, regions and matters,
decided over the year 2026, with their promised clocks (one in ten paused a few days); about
80 % rated, about 8 % badly, each bad rating with its follow-up task and clock (most completed,
some late, some open) and some re-rated. Then times each figure query a province supervisor asks for the whole year — the SQL
the GraphQL fields run, one statement each — and prints the median of a few runs.
"""

from __future__ import annotations

import asyncio
import random
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
from tongban.deadlines.calendar import WorkingCalendar  # noqa: E402
from tongban.deadlines.service import load_calendar  # noqa: E402
from tongban.supervision import repository as repo  # noqa: E402
from tongban.supervision.matter_rank_repository import matter_ranks  # noqa: E402
from tongban.supervision.service import periods  # noqa: E402

YEAR_START = date(2026, 1, 1)
TZ = "Asia/Shanghai"
CASE_COLUMNS = [
    "id", "number", "matter_id", "matter_version", "applicant_id", "submitted_by",
    "idempotency_key", "request_hash", "receiving_region", "receiving_lineage",
    "handling_region", "handling_lineage", "handling_department_id", "state", "confidentiality",
    "form_data", "received_at", "received_on", "accepted_on", "decided_at", "decision",
    "rating", "rated_at", "rerating", "rerated_at",
]  # fmt: skip
CLOCK_COLUMNS = [
    "case_id", "task_id", "kind", "start_on", "limit_days", "state", "stopped_on", "due_on",
    "pauses",
]  # fmt: skip
TASK_COLUMNS = [
    "id", "case_id", "kind", "stage_name", "department_id", "state", "created_at", "completed_at",
]  # fmt: skip


async def references(conn: Any) -> tuple[list[Any], list[Any], str]:
    departments = await conn.fetch(
        """SELECT d.id, d.region_code, r.lineage FROM department d
           JOIN region r ON r.code = d.region_code"""
    )
    matters = await conn.fetch(
        "SELECT id, current_version FROM matter WHERE current_version IS NOT NULL"
    )
    applicant = await conn.fetchval(
        """INSERT INTO applicant (kind, name, id_number, mobile) VALUES
           ('person', '压测', '440524188001015368', '13800138000') RETURNING id"""
    )
    return list(departments), list(matters), applicant


def one_case(
    n: int, rnd: random.Random, departments: list[Any], matters: list[Any], applicant: str
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A decided case of 2026 with its promised clock; rated, maybe badly (with a follow-up)."""
    cid = uuid.uuid4()
    d, m = rnd.choice(departments), rnd.choice(matters)
    accepted = YEAR_START + timedelta(days=rnd.randrange(355))
    limit = rnd.choice((3, 5, 10, 20))
    due = accepted + timedelta(days=limit * 7 // 5)
    decided_on = accepted + timedelta(days=rnd.randrange(limit * 2))
    decided_at = datetime.combine(decided_on, datetime.min.time(), UTC) + timedelta(
        minutes=rnd.randrange(24 * 60)
    )
    # One clock in ten was paused (a supplement, an expert review) for a few days.
    paused = accepted + timedelta(days=1)
    pauses = (
        [[paused.isoformat(), (paused + timedelta(days=rnd.randrange(1, 6))).isoformat()]]
        if rnd.random() < 0.1 and decided_on > paused + timedelta(days=5)
        else []
    )
    clocks: list[tuple[Any, ...]] = [
        (cid, None, "promised", accepted, limit, "stopped", decided_on, due, pauses)
    ]
    tasks: list[tuple[Any, ...]] = []
    rating = rated_at = rerating = rerated_at = None
    if rnd.random() < 0.8:
        rating = rnd.choices((1, 2, 3, 4, 5), weights=(60, 20, 12, 5, 3))[0]
        rated_at = decided_at + timedelta(hours=rnd.randrange(1, 240))
        if rating >= 4:
            task = uuid.uuid4()
            opened = rated_at.date()
            fu_due = opened + timedelta(days=7)
            done = rnd.random()
            completed_on = opened + timedelta(days=rnd.randrange(1, 10)) if done < 0.9 else None
            state = "completed" if completed_on else "open"
            completed_at = (
                None
                if completed_on is None
                else datetime.combine(completed_on, datetime.min.time(), UTC)
            )
            tasks.append(
                (task, cid, "follow_up", "差评整改回访", d["id"], state, rated_at, completed_at)
            )
            clocks.append(
                (cid, task, "follow_up", opened, 5, "stopped" if completed_on else "running",
                 completed_on, fu_due, [])
            )  # fmt: skip
            if completed_on is not None and rnd.random() < 0.6:
                rerating = rnd.choice((1, 2, 3, 4))
                rerated_at = completed_at + timedelta(days=1)
    received = datetime.combine(accepted, datetime.min.time(), UTC)
    case = (
        cid, f"S{n:020d}", m["id"], m["current_version"], applicant, "bench", f"bench-{n}", "x",
        d["region_code"], d["lineage"], d["region_code"], d["lineage"], d["id"],
        "approved", 0, {}, received, accepted, accepted, decided_at, "approved",
        rating, rated_at, rerating, rerated_at,
    )  # fmt: skip
    return case, clocks, tasks


async def seed(url: str, *, count: int) -> None:
    conn = await db.connect(url)
    departments, matters, applicant = await references(conn)
    rnd = random.Random(17)
    step = 50_000
    for offset in range(0, count, step):
        cases, clocks, tasks = [], [], []
        for n in range(offset, min(count, offset + step)):
            case, case_clocks, case_tasks = one_case(n, rnd, departments, matters, applicant)
            cases.append(case)
            clocks.extend(case_clocks)
            tasks.extend(case_tasks)
        await conn.copy_records_to_table("case_record", columns=CASE_COLUMNS, records=cases)
        await conn.copy_records_to_table("review_task", columns=TASK_COLUMNS, records=tasks)
        await conn.copy_records_to_table("deadline_clock", columns=CLOCK_COLUMNS, records=clocks)
    # Index-only scans need the visibility map: a live table has autovacuum keep it.
    await conn.execute("VACUUM ANALYZE case_record, review_task, deadline_clock")
    await conn.close()


def queries(conn: Any, cal: WorkingCalendar) -> dict[str, Callable[[], Awaitable[Any]]]:
    year: dict[str, Any] = {
        "region_code": "440000", "start": date(2026, 1, 1), "end": date(2026, 12, 31),
        "timezone": TZ,
    }  # fmt: skip
    figures: dict[str, Any] = {
        "region_code": "440000", "timezone": TZ, "department_id": None, "matter_code": None,
    }  # fmt: skip

    def rating(group_by: str, period: str, **extra: Any) -> Callable[[], Awaitable[Any]]:
        spans = periods(year["start"], year["end"], period)
        args = figures | {"group_by": group_by, "spans": spans} | extra
        return lambda: repo.rating_figures(conn, **args)

    return {
        "ratingFigures by department, whole year": rating("department", "none"),
        "ratingFigures by region, per month": rating("region", "month"),
        "ratingFigures by matter, per week": rating("matter", "week"),
        "ratingFigures province, per day": rating("none", "day"),
        "ratingFigures one city (440100), per month": rating(
            "department", "month", region_code="440100"
        ),
        "departmentRanking by OVERDUE_COUNT": lambda: repo.department_ranks(
            conn, order_by="overdue", limit=10, **year
        ),
        "departmentRanking by ON_TIME_RATE": lambda: repo.department_ranks(
            conn, order_by="on_time_rate", limit=10, **year
        ),
        "departmentRanking by BAD_RATINGS": lambda: repo.department_ranks(
            conn, order_by="bad_ratings", limit=10, **year
        ),
        "matterRanking by average working days used over the promise": lambda: matter_ranks(
            conn, cal=cal, limit=10, **year
        ),
    }


async def measure(url: str, repeat: int) -> None:
    conn = await db.connect(url)
    for name, run in queries(conn, await load_calendar(conn)).items():
        rows = await run()  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            await run()
            times.append(time.perf_counter() - started)
        print(f"  {name}: {statistics.median(times) * 1000:.0f} ms ({len(rows)} rows)")
    await conn.close()


async def main() -> None:
    await seeded_bench(
        __doc__,
        name="tongban_bench_supervision",
        default_cases=1_000_000,
        seed=seed,
        measure=measure,
        seeded_as="cases over 2026",
        heading="a year of the province",
    )


if __name__ == "__main__":
    asyncio.run(main())
