"""A realistic data set for the API benchmark, loaded by COPY into a migrated database.

The demo catalogue, regions, departments and officers (``tongban.demo``), then ``cases`` cases
(bench/api_seed_rows.py: every state, matter and receiving level, with tasks, materials, ~20
history events each and deadline clocks of every colour). 1,000,000 cases (~20 M history events)
are practical: the case tables are loaded bare, by one process per core, each generating and
COPYing its own batches, then vacuumed, and their keys, indexes and foreign keys built once
(bench/bulk_load.py).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import msgspec

import bulk_load
from api_seed_rows import (
    BATCH,
    CASE_COLUMNS,
    CLOCK_COLUMNS,
    EVENT_COLUMNS,
    MATERIAL_COLUMNS,
    TASK_COLUMNS,
    ZONE,
    Generator,
)
from tongban import db
from tongban.catalogue import repository as catalogue_repo
from tongban.deadlines import repository as deadlines_repo
from tongban.deadlines.calendar import WorkingCalendar, YearSchedule
from tongban.demo import load_demo_data
from tongban.demo.directory import OFFICERS
from tongban.demo.matters import MATTERS


class SeedSummary(msgspec.Struct, kw_only=True):
    cases: int
    rows: dict[str, int]
    states: dict[str, int]
    colours: dict[str, int]
    seconds: float
    # Seconds of each phase: COPY, VACUUM ANALYZE, keys and indexes, foreign keys.
    phases: dict[str, float] = {}


async def _known_calendar(conn: asyncpg.Connection, today: date) -> WorkingCalendar:
    """The package covers 2004–2026: a later year gets a weekends-only schedule, standing in
    for the one administrators publish each December (never done for a real deployment)."""
    cal = WorkingCalendar.from_package(await deadlines_repo.calendar_years(conn))
    for year in (today.year, today.year + 1):
        if not cal.knows_year(year):
            await deadlines_repo.upsert_calendar_year(
                conn,
                schedule=YearSchedule(year=year, holidays=frozenset(), makeup_workdays=frozenset()),
                officer_id=None,
            )
    return WorkingCalendar.from_package(await deadlines_repo.calendar_years(conn))


async def _applicants(conn: asyncpg.Connection, count: int, rng: random.Random) -> list[str]:
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)]
    records = []
    for i, applicant_id in enumerate(ids):
        person = i % 10 != 0
        records.append(
            (
                applicant_id,
                "person" if person else "organisation",
                f"申请人{i}" if person else f"压测科技有限公司{i}",
                f"4401{i:013d}X" if person else None,
                None if person else f"91440101{i:010d}",
                None if person else f"法人{i}",
                f"139{i % 100_000_000:08d}",
                f"user{i}@example.cn",
                ["sms"],
            )
        )
    await conn.copy_records_to_table(
        "applicant",
        columns=[
            "id",
            "kind",
            "name",
            "id_number",
            "credit_code",
            "legal_representative",
            "mobile",
            "email",
            "channels",
        ],
        records=records,
    )
    return [str(a) for a in ids]


class _Part(msgspec.Struct, kw_only=True):
    """What one loading process did: its rows, tallies and the last daily sequence it used."""

    rows: dict[str, int]
    states: dict[str, int]
    colours: dict[str, int]
    sequences: list[tuple[str, date, int]]


async def _generator(
    conn: asyncpg.Connection, applicants: list[str], now: datetime, seed: int
) -> Generator:
    matters = await catalogue_repo.current_versions_by_code(conn, codes=[m.code for m in MATTERS])
    departments = {
        r["id"]: r["region_code"]
        for r in await conn.fetch("SELECT id::text, region_code FROM department")
    }
    officers = [
        (r["id"], r["name"], list(r["roles"]), r["department_id"])
        for r in await conn.fetch(
            """SELECT id::text, name, roles, department_id::text FROM officer
               WHERE username = ANY($1::text[]) ORDER BY username""",
            [o[0] for o in OFFICERS],
        )
    ]
    cal = WorkingCalendar.from_package(await deadlines_repo.calendar_years(conn))
    return Generator(
        matters=matters,
        departments=departments,
        applicants=applicants,
        officers=officers,
        cal=cal,
        now=now,
        seed=seed,
    )


async def _load(
    url: str, *, cases: int, batches: list[int], applicants: list[str], now: datetime, seed: int
) -> _Part:
    """Generate and COPY ``batches`` (of :data:`BATCH` cases each) over one connection."""
    conn = await db.connect(url)
    try:
        await conn.execute("SET synchronous_commit = off")
        gen = await _generator(conn, applicants, now, seed)
        rows: Counter[str] = Counter()
        stride = -(-cases // BATCH)
        for b in batches:
            gen.start_batch(b, stride)
            out: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
            for i in range(b * BATCH, min((b + 1) * BATCH, cases)):
                gen.case(i, out)
            for name, columns in TABLES.items():
                await conn.copy_records_to_table(name, columns=columns, records=out[name])
                rows[name] += len(out[name])
    finally:
        await conn.close()
    return _Part(
        rows=dict(rows),
        states=dict(gen.states),
        colours=dict(gen.colours),
        sequences=[(r, d, n) for (r, d), n in gen.sequences.items()],
    )


def _load_in_process(url: str, kwargs: dict[str, Any]) -> _Part:
    return asyncio.run(_load(url, **kwargs))


TABLES = {
    "case_record": CASE_COLUMNS,
    "review_task": TASK_COLUMNS,
    "deadline_clock": CLOCK_COLUMNS,
    "case_material": MATERIAL_COLUMNS,
    "case_event": EVENT_COLUMNS,
}


async def _load_parallel(
    url: str, *, cases: int, processes: int, applicants: list[str], now: datetime, seed: int
) -> list[_Part]:
    """Batch b goes to process b mod ``processes``: each generates its own and COPYs it in."""
    count = -(-cases // BATCH)
    shares = [list(range(k, count, processes)) for k in range(min(processes, count))]
    common = {"cases": cases, "applicants": applicants, "now": now, "seed": seed}
    if len(shares) == 1:
        return [await _load(url, batches=shares[0], **common)]
    loop = asyncio.get_running_loop()
    # Spawned, not forked: a forked child would inherit this process's running event loop.
    with ProcessPoolExecutor(len(shares), mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(
            await asyncio.gather(
                *(
                    loop.run_in_executor(pool, _load_in_process, url, {"batches": s, **common})
                    for s in shares
                )
            )
        )


async def seed(
    url: str, *, cases: int, seed: int = 20261127, processes: int | None = None
) -> SeedSummary:
    """Load the demo data and ``cases`` cases into the migrated database at ``url``: the case
    tables are loaded bare by ``processes`` COPY streams (default: one per core), vacuumed,
    and their keys, indexes and foreign keys built afterwards."""
    started = time.perf_counter()
    processes = processes or os.cpu_count() or 1
    conn = await db.connect(url)
    try:
        await load_demo_data(conn)
        now = datetime.now(UTC)
        await _known_calendar(conn, now.astimezone(ZONE).date())
        applicants = await _applicants(conn, max(cases // 4, 50), random.Random(seed))
        detached = await bulk_load.detach(conn, list(TABLES))
    finally:
        await conn.close()
    parts = await _load_parallel(
        url, cases=cases, processes=processes, applicants=applicants, now=now, seed=seed
    )
    loaded = time.perf_counter()
    sequences: dict[tuple[str, date], int] = {}
    for part in parts:
        for region, day, last in part.sequences:
            sequences[(region, day)] = max(sequences.get((region, day), 0), last)
    conn = await db.connect(url)
    try:
        await conn.copy_records_to_table(
            "case_number_sequence",
            columns=["region_code", "day", "last"],
            records=[(region, day, last) for (region, day), last in sequences.items()],
        )
    finally:
        await conn.close()
    await bulk_load.vacuum_analyze(url, list(TABLES), jobs=processes)
    vacuumed = time.perf_counter()
    phases = await bulk_load.reattach(url, detached, jobs=processes)
    conn = await db.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    rows: Counter[str] = Counter({"applicant": len(applicants)})
    for part in parts:
        rows.update(part.rows)
    return SeedSummary(
        cases=cases,
        rows=dict(rows),
        states=dict(sum((Counter(p.states) for p in parts), Counter())),
        colours=dict(sum((Counter(p.colours) for p in parts), Counter())),
        seconds=time.perf_counter() - started,
        phases={
            "copy": loaded - started,
            "vacuum": vacuumed - loaded,
            **phases,
        },
    )
