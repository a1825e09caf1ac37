"""The sweeper raises hundreds of warnings in a few statements: each exactly once under racing
sweepers and jobs, in a number of statements that does not grow with the batch, and with the
same history events, outbox rows and notices as acting on the clocks one by one."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec
import pytest
from arq import func
from arq.connections import ArqRedis
from arq.worker import Worker
from redis.asyncio import ConnectionPool
from tests.cases.factories import accepted_withdrawal, make_applicant
from tests.conftest import GraphQLClient
from tests.scenarios import at

from tongban import db
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.deadlines import enforcement, service
from tongban.deadlines import repository as deadlines_repo
from tongban.deadlines.enforcement import sweep
from tongban.deadlines.tasks import QUEUE, check_due, schedule_jobs
from tongban.notifications import planner


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(settings)
    yield p
    await p.close()


async def bulk_cases(
    conn: asyncpg.Connection,
    settings: Settings,
    count: int,
    *,
    start_on: date = date(2026, 3, 2),
    kinds: tuple[tuple[str, int], ...] = (("promised", 3), ("statutory", 5)),
) -> list[str]:
    """``count`` accepted cases spread over the departments of the demo data, each with running
    clocks of ``kinds`` (kind, limit in working days) scheduled as the API schedules them."""
    applicant = await make_applicant(conn)
    ref = await conn.fetchrow(
        "SELECT id, current_version FROM matter WHERE code = 'GZ-HPF-WITHDRAW'"
    )
    places = await conn.fetch(
        """SELECT d.id, d.region_code, r.lineage FROM department d
           JOIN region r ON r.code = d.region_code ORDER BY d.code LIMIT 6"""
    )
    ids = [uuid.uuid4() for _ in range(count)]
    suffix = uuid.uuid4().hex[:8]
    await conn.copy_records_to_table(
        "case_record",
        columns=[
            "id",
            "number",
            "matter_id",
            "matter_version",
            "applicant_id",
            "submitted_by",
            "idempotency_key",
            "request_hash",
            "receiving_region",
            "receiving_lineage",
            "handling_region",
            "handling_lineage",
            "handling_department_id",
            "state",
            "confidentiality",
            "form_data",
            "received_at",
            "received_on",
            "accepted_on",
        ],
        records=[
            (
                cid,
                f"T{suffix}{i:06d}",
                ref["id"],
                ref["current_version"],
                uuid.UUID(applicant),
                "test",
                f"bulk-{suffix}-{i}",
                "x",
                places[i % len(places)]["region_code"],
                places[i % len(places)]["lineage"],
                places[i % len(places)]["region_code"],
                places[i % len(places)]["lineage"],
                places[i % len(places)]["id"],
                "under_review",
                0,
                {},
                at(start_on.isoformat(), "09:30"),
                start_on,
                start_on,
            )
            for i, cid in enumerate(ids)
        ],
    )
    for cid in ids:
        for kind, limit in kinds:
            await service.start(
                conn,
                settings=settings,
                case_id=str(cid),
                kind=kind,
                start_on=start_on,
                limit_days=limit,
            )
    return [str(c) for c in ids]


async def raised(conn: asyncpg.Connection) -> list[tuple[str, str, str, int]]:
    """(clock, level, due date, how many times) for every warning raised."""
    rows = await conn.fetch(
        """SELECT clock_id::text, level, due_on::text, count(*) AS n FROM deadline_warning
           GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
    )
    return [(r["clock_id"], r["level"], r["due_on"], r["n"]) for r in rows]


async def test_racing_sweepers_and_workers_raise_each_of_hundreds_of_warnings_once(
    conn: asyncpg.Connection, settings: Settings, pool: asyncpg.Pool, redis_url: str
) -> None:
    cases = await bulk_cases(conn, settings, 150)
    now = at("2026-03-10")  # promised yellow and red, statutory escalation: all due
    small = msgspec.structs.replace(settings, sweep_batch=40)
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    await schedule_jobs(pool, redis, case_ids=cases)
    handled: list[list[str]] = []

    async def sweeper() -> None:
        # Each sweep its own pooled connection and transaction, as on separate pods.
        mine: list[str] = []
        while found := await enforcement.sweep_clocks(pool, now=now, settings=small):
            mine += found
        handled.append(mine)

    async def worker() -> None:
        own = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
        w = Worker(
            [func(check_due, name="deadlines.check_due", keep_result=0)],
            redis_pool=own,
            queue_name=QUEUE,
            burst=True,
            handle_signals=False,
            poll_delay=0.01,
            ctx={"pool": pool, "settings": settings, "clock": MovableClock(now)},
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(w.main(), 10)
        await w.close()

    await asyncio.gather(sweeper(), sweeper(), sweeper(), worker(), worker())
    await sweep(pool, now=now, settings=settings)  # whatever the racers left
    await redis.aclose()

    warnings = await raised(conn)
    assert len(warnings) == 150 * 3, "yellow, red and escalation for each case"
    assert all(n == 1 for *_, n in warnings), "each warning exactly once"
    swept = [c for mine in handled for c in mine]
    assert len(swept) == len(set(swept)), "no clock acted on by two sweeps"
    counts = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM case_event WHERE action LIKE 'deadline_%') AS events,
                  (SELECT count(*) FROM outbox WHERE topic LIKE 'deadline.%') AS outbox,
                  (SELECT count(DISTINCT event_id) FROM outbox
                   WHERE topic LIKE 'deadline.%') AS outboxed_events"""
    )
    assert dict(counts) == {"events": 450, "outbox": 450, "outboxed_events": 450}
    # Every red card closed the clock's yellow one.
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM deadline_warning WHERE level = 'yellow' AND resolved_at IS NULL"
        )
        == 0
    )
    assert not await deadlines_repo.due_clock_ids(conn, now=now, limit=10)


async def test_a_sweeper_killed_mid_batch_leaves_nothing_and_the_next_one_acts(
    conn: asyncpg.Connection, settings: Settings, pool: asyncpg.Pool, database: str
) -> None:
    await bulk_cases(conn, settings, 30)
    now = at("2026-03-10")
    doomed = await db.connect(database)
    await doomed.transaction().start()
    acted = await enforcement.handle_due(doomed, now=now, settings=settings, limit=1000)
    assert len(acted) == 60
    # While it holds them, another sweep skips its clocks rather than waiting or repeating.
    assert await sweep(pool, now=now, settings=settings) == 0
    pid = doomed.get_server_pid()
    doomed.terminate()  # the pod dies before COMMIT
    for _ in range(100):  # PostgreSQL notices the lost connection and rolls it back
        if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
            break
        await asyncio.sleep(0.05)
    assert await raised(conn) == []
    assert (
        await conn.fetchval("SELECT count(*) FROM case_event WHERE action LIKE 'deadline_%'") == 0
    )
    assert await sweep(pool, now=now, settings=settings) == 60
    warnings = await raised(conn)
    assert len(warnings) == 90 and all(n == 1 for *_, n in warnings)


async def test_a_sweep_costs_the_same_statements_for_10_clocks_as_for_100(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    promised = (("promised", 3),)
    # Three groups a week apart, each with its yellow and red due at the end of its week.
    for count, start in ((5, date(2026, 3, 2)), (10, date(2026, 3, 9)), (100, date(2026, 3, 16))):
        await bulk_cases(conn, settings, count, start_on=start, kinds=promised)
    # One connection, so that asyncpg's first-use type lookups fall in the first sweep.
    one = msgspec.structs.replace(settings, db_pool_min=1, db_pool_max=1)
    pool = await db.create_pool(one)
    counts = []
    try:
        for now in (at("2026-03-06"), at("2026-03-13"), at("2026-03-20")):
            with db.count_statements() as cell:
                await sweep(pool, now=now, settings=settings)
            counts.append(cell[0])
    finally:
        await pool.close()
    assert len(await raised(conn)) == (5 + 10 + 100) * 2
    assert counts[1] == counts[2], f"10 clocks → {counts[1]} statements, 100 → {counts[2]}"
    assert counts[2] <= 11, counts


async def test_the_batch_writes_what_acting_clock_by_clock_writes(
    client: GraphQLClient, conn: asyncpg.Connection, settings: Settings
) -> None:
    await accepted_withdrawal(client, conn)  # a case with a review task's stage clock too
    await bulk_cases(conn, settings, 40)
    # Some clocks are past a threshold already acted on: only the later ones are left.
    await sweep_one_by_one(conn, now=at("2026-03-03"), settings=settings, limit=30)
    now = at("2026-03-10")
    batched = await outcome(conn, settings, now, one_by_one=False)
    single = await outcome(conn, settings, now, one_by_one=True)
    assert batched["events"] and batched["messages"], "warnings raised, officers told"
    for part in ("warnings", "events", "outbox", "clocks", "messages"):
        assert batched[part] == single[part], part


async def sweep_one_by_one(
    conn: asyncpg.Connection, *, now: datetime, settings: Settings, limit: int
) -> None:
    """The per-clock path (``enforcement.check``), as the sweeper ran it before batches."""
    async with conn.transaction():
        for clock_id in await deadlines_repo.due_clock_ids(conn, now=now, limit=limit):
            await enforcement.check(conn, clock_id=clock_id, now=now, settings=settings)


async def outcome(
    conn: asyncpg.Connection, settings: Settings, now: datetime, *, one_by_one: bool
) -> dict[str, Any]:
    """What acting on every due clock writes, and the notices planned from it; rolled back."""
    tx = conn.transaction()
    await tx.start()
    try:
        before = await conn.fetchval("SELECT coalesce(max(id), 0) FROM outbox")
        if one_by_one:
            await sweep_one_by_one(conn, now=now, settings=settings, limit=1000)
        else:
            await enforcement.handle_due(conn, now=now, settings=settings, limit=1000)
        outbox = await conn.fetch(
            "SELECT id, event_id::text, case_id::text, topic, payload FROM outbox WHERE id > $1 ORDER BY id",
            before,
        )
        events = await conn.fetch(
            """SELECT e.seq, e.id::text, e.case_id::text, e.case_version, e.action, e.actor_kind,
                      e.actor_id, e.actor_name, e.actor_roles, e.actor_department_id, e.reason,
                      e.changes, e.payload, e.occurred_at
               FROM case_event e JOIN outbox o ON o.event_id = e.id
               WHERE o.id > $1 ORDER BY e.seq""",
            before,
        )
        await planner.plan(conn, [r["id"] for r in outbox], settings=settings, now=now)
        messages = await conn.fetch(
            """SELECT e.case_id::text, e.action, m.kind, m.audience, m.recipient_id::text,
                      m.channel, m.address, m.subject, m.body, m.params, m.urgent
               FROM notification_message m JOIN case_event e ON e.id = m.event_id
               JOIN outbox o ON o.event_id = e.id WHERE o.id > $1
               ORDER BY o.id, m.recipient_id, m.channel""",
            before,
        )
        warnings = await conn.fetch(
            """SELECT clock_id::text, case_id::text, level, due_on, raised_at, resolved_at
               FROM deadline_warning ORDER BY clock_id, level, due_on"""
        )
        clocks = await conn.fetch(
            """SELECT id::text, due_on, next_check_at, next_level, version, state
               FROM deadline_clock ORDER BY id"""
        )
    finally:
        await tx.rollback()
    for o, e in zip(outbox, events, strict=True):
        # Each outbox row names its own event, which the relay orders by seq.
        assert (o["event_id"], o["payload"]["eventId"], o["payload"]["seq"]) == (
            e["id"],
            e["id"],
            e["seq"],
        )
    return {
        "warnings": [tuple(r) for r in warnings],
        "clocks": [tuple(r) for r in clocks],
        # Ids and seqs differ between the runs (sequences are not rolled back): the rest is equal.
        "events": [tuple(v for k, v in r.items() if k not in ("seq", "id")) for r in events],
        "outbox": [
            (
                r["case_id"],
                r["topic"],
                {k: v for k, v in r["payload"].items() if k not in ("eventId", "seq")},
            )
            for r in outbox
        ],
        "messages": [tuple(r) for r in messages],
    }
