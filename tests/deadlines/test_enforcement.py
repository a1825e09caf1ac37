"""Deadlines enforce themselves: warnings at the right instants, once, never while paused;
automatic acceptance after Art. 32's five days; pauses and extensions move due dates exactly."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import asyncpg
import pytest
from arq import func
from arq.connections import ArqRedis
from arq.worker import Worker
from redis.asyncio import ConnectionPool
from tests.cases.factories import accepted_withdrawal, make_applicant, submit
from tests.conftest import GraphQLClient
from tests.scenarios import act, at, ok

from tongban import db
from tongban.config import Settings
from tongban.deadlines.enforcement import sweep
from tongban.deadlines.tasks import QUEUE, check_due, schedule_jobs, sweep_job

DEADLINES = "deadlines { kind state dueOn remainingDays colour daysPaused limitDays overdue }"


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(settings)
    yield p
    await p.close()


async def warnings(conn: asyncpg.Connection) -> list[tuple[str, str, str]]:
    rows = await conn.fetch(
        """SELECT c.kind, w.level, w.due_on::text FROM deadline_warning w
           JOIN deadline_clock c ON c.id = w.clock_id ORDER BY w.raised_at, c.kind"""
    )
    return [(r["kind"], r["level"], r["due_on"]) for r in rows]


async def test_a_case_left_alone_gets_each_warning_once_at_its_instant(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await accepted_withdrawal(client, conn)
    settings = client.settings
    assert await sweep(pool, now=at("2026-03-02", "23:59:59"), settings=settings) == 0
    assert await warnings(conn) == []

    # Promised 3 → due Thu 03-05; yellow when ≤ 2 remain: from Tue 03-03.
    await sweep(pool, now=at("2026-03-03"), settings=settings)
    assert await warnings(conn) == [
        ("promised", "yellow", "2026-03-05"),
        ("stage", "yellow", "2026-03-05"),
    ]
    for _ in range(3):  # sweeping again, at any later time before the next threshold, adds nothing
        await sweep(pool, now=at("2026-03-05", "23:59:59"), settings=settings)
    assert len(await warnings(conn)) == 2

    # Red once the promised limit has passed: the midnight after its last working day.
    await sweep(pool, now=at("2026-03-06"), settings=settings)
    assert (await warnings(conn))[2:] == [
        ("promised", "red", "2026-03-05"),
        ("stage", "red", "2026-03-05"),
    ]
    # Statutory 5 → due Mon 03-09; escalation from Tue 03-10.
    await sweep(pool, now=at("2026-03-09", "23:59:59"), settings=settings)
    assert len(await warnings(conn)) == 4
    await sweep(pool, now=at("2026-03-10"), settings=settings)
    assert (await warnings(conn))[4:] == [("statutory", "escalation", "2026-03-09")]
    await sweep(pool, now=at("2026-06-01"), settings=settings)
    assert len(await warnings(conn)) == 5, "each warning exactly once"

    events = await conn.fetch(
        "SELECT action, payload FROM case_event WHERE action LIKE 'deadline_%' ORDER BY seq"
    )
    assert [e["action"] for e in events] == [
        "deadline_yellow",
        "deadline_yellow",
        "deadline_red",
        "deadline_red",
        "deadline_escalation",
    ]
    recipients = {r["username"] for r in events[0]["payload"]["recipients"]}
    # The responsible department (its head among them) and supervisors of the city and province.
    assert {
        "gz.gjj.intake",
        "gz.gjj.reviewer",
        "gz.gjj.head",
        "gz.supervisor",
        "gd.supervisor",
        "admin",
    } <= recipients
    assert "th.supervisor" not in recipients and "sz.supervisor" not in recipients
    assert await conn.fetchval("SELECT count(*) FROM outbox WHERE topic LIKE 'deadline.%'") == 5


async def test_graphql_shows_due_dates_remaining_days_and_colour(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await accepted_withdrawal(client, conn)
    head = await client.officer_token("gz.gjj.head")
    query = f"query ($n: String!) {{ case(number: $n) {{ {DEADLINES} tasks {{ deadline {{ kind dueOn colour }} }} }} }}"
    data = (await client.execute(query, {"n": case["number"]}, token=head))["case"]
    by_kind = {d["kind"]: d for d in data["deadlines"]}
    assert by_kind["PROMISED"] | {} == by_kind["PROMISED"]
    assert (
        by_kind["PROMISED"]["dueOn"],
        by_kind["PROMISED"]["remainingDays"],
        by_kind["PROMISED"]["colour"],
    ) == ("2026-03-05", 3, "GREEN")
    assert (by_kind["STATUTORY"]["dueOn"], by_kind["STATUTORY"]["colour"]) == (
        "2026-03-09",
        "GREEN",
    )
    assert by_kind["ONE_NOTICE"]["state"] == "STOPPED"
    assert data["tasks"][0]["deadline"] == {
        "kind": "STAGE",
        "dueOn": "2026-03-05",
        "colour": "GREEN",
    }
    client.clock.set(at("2026-03-04", "10:00"))
    data = (await client.execute(query, {"n": case["number"]}, token=head))["case"]
    promised = next(d for d in data["deadlines"] if d["kind"] == "PROMISED")
    assert (promised["remainingDays"], promised["colour"]) == (1, "YELLOW")
    client.clock.set(at("2026-03-06", "10:00"))
    data = (await client.execute(query, {"n": case["number"]}, token=head))["case"]
    promised = next(d for d in data["deadlines"] if d["kind"] == "PROMISED")
    assert (promised["remainingDays"], promised["colour"], promised["overdue"]) == (-1, "RED", True)


async def test_no_intake_decision_in_five_working_days_accepts_as_of_receipt(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    token = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, token))  # received Monday 2026-03-02
    await sweep(pool, now=at("2026-03-09", "23:59:59"), settings=client.settings)
    assert await conn.fetchval("SELECT state FROM case_record") == "received"
    await sweep(pool, now=at("2026-03-10"), settings=client.settings)
    row = await conn.fetchrow("SELECT state, accepted_on::text, received_on::text FROM case_record")
    assert (row["state"], row["accepted_on"]) == ("accepted", row["received_on"])
    event = await conn.fetchrow(
        "SELECT action, actor_kind, payload FROM case_event ORDER BY seq DESC LIMIT 1"
    )
    assert (event["action"], event["actor_kind"]) == ("accepted_automatically", "system")
    assert event["payload"]["acceptedOn"] == "2026-03-02"
    # The decision clocks run from the receipt date; review tasks are open.
    promised = await conn.fetchval(
        "SELECT due_on::text FROM deadline_clock WHERE kind = 'promised'"
    )
    assert promised == "2026-03-05"
    assert await conn.fetchval("SELECT count(*) FROM review_task WHERE state = 'open'") == 3
    await sweep(pool, now=at("2026-03-11"), settings=client.settings)
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM case_event WHERE action = 'accepted_automatically'"
        )
        == 1
    )
    _ = case


async def test_a_timely_notice_stops_the_automatic_acceptance(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    token = client.applicant_token(await make_applicant(conn))
    case = ok(await submit(client, token, codes=["application", "articles"]))
    window = await client.officer_token("th.shipai.window")
    await act(
        client,
        window,
        "requestSupplement",
        "",
        {
            "number": case["number"],
            "expectedVersion": case["version"],
            "materialCodes": ["id", "premises"],
            "note": "",
        },
    )
    await sweep(pool, now=at("2026-04-01"), settings=client.settings)
    assert await conn.fetchval("SELECT state FROM case_record") == "supplement_requested"


async def test_pause_resume_and_extension_follow_the_worked_example(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """Statutory limit 20 accepted Monday 2026-03-02: due 03-30; paused 03-06 → 03-20: due
    04-14; plus a 10-day extension: 04-28 (DOMAIN.md)."""
    token = client.applicant_token(await make_applicant(conn))
    case = ok(
        await submit(
            client, token, matter="GZ-MATERNITY", region="440100", codes=["id", "birth", "leave"]
        )
    )
    intake = await client.officer_token("gz.ybj.reviewer")
    case = ok(
        await act(
            client,
            intake,
            "acceptCase",
            "",
            {"number": case["number"], "expectedVersion": case["version"]},
        )
    )
    statutory = "SELECT due_on::text FROM deadline_clock WHERE kind = 'statutory'"
    assert await conn.fetchval(statutory) == "2026-03-30"

    head = await client.officer_token("gz.ybj.head")
    client.clock.set(at("2026-03-06", "15:00"))
    started = await client.execute(
        'mutation ($n: String!, $v: Int!) { startSpecialProcedure(number: $n, expectedVersion: $v, kind: APPRAISAL, expectedDays: 10, reason: "需医学鉴定") { case { version } userErrors { code } } }',
        {"n": case["number"], "v": case["version"]},
        token=head,
    )
    version = started["startSpecialProcedure"]["case"]["version"]
    # A paused clock raises nothing, however late it gets.
    await sweep(pool, now=at("2026-03-19", "23:00"), settings=client.settings)
    assert await warnings(conn) == []

    client.clock.set(at("2026-03-20", "11:00"))
    ended = await client.execute(
        "mutation ($n: String!, $v: Int!) { endSpecialProcedure(number: $n, expectedVersion: $v) { case { version "
        + DEADLINES
        + " } userErrors { code } } }",
        {"n": case["number"], "v": version},
        token=head,
    )
    payload = ended["endSpecialProcedure"]["case"]
    by_kind = {d["kind"]: d for d in payload["deadlines"]}
    assert by_kind["STATUTORY"]["dueOn"] == "2026-04-14"
    ended_event = await conn.fetchrow(
        "SELECT payload FROM case_event WHERE action = 'special_procedure_ended'"
    )
    assert ended_event["payload"]["deadlines"]["statutory"] == "2026-04-14"
    assert (by_kind["STATUTORY"]["remainingDays"], by_kind["STATUTORY"]["daysPaused"]) == (16, 10)
    extended = ok(
        await act(
            client,
            head,
            "extendDeadline",
            "",
            {
                "number": case["number"],
                "expectedVersion": payload["version"],
                "reason": "鉴定结论需复核",
            },
        )
    )
    assert await conn.fetchval(statutory) == "2026-04-28"
    history = await conn.fetch("SELECT action, payload FROM case_event ORDER BY seq")
    assert history[-1]["action"] == "extended"
    assert history[-1]["payload"]["deadlines"]["statutory"] == "2026-04-28"
    _ = extended


async def test_racing_workers_and_the_sweeper_raise_one_warning(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool, redis_url: str
) -> None:
    await accepted_withdrawal(client, conn)
    jobs = await conn.fetch("SELECT id::text, version FROM deadline_clock WHERE state = 'running'")
    assert jobs, "clocks are running"
    client.clock.set(at("2026-03-03"))
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    queued = await redis.zcard(QUEUE)
    assert 0 < queued <= len(jobs), "the API deferred a job per second thresholds fall in"
    # Time has moved: defer the jobs again from the moved clock, so the due ones run now.
    await redis.flushdb()
    case_id = await conn.fetchval("SELECT id::text FROM case_record")
    await schedule_jobs(pool, redis, case_ids=[case_id], clock=client.clock)

    async def work() -> None:
        # Each worker has its own Redis connections, as separate processes would.
        own = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
        worker = Worker(
            [func(check_due, name="deadlines.check_due", keep_result=0)],
            redis_pool=own,
            queue_name=QUEUE,
            burst=True,
            handle_signals=False,
            poll_delay=0.01,
            ctx={"pool": pool, "settings": client.settings, "clock": client.clock},
        )
        # Later thresholds stay deferred, so a burst worker would wait for them: stop it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.main(), 2)
        await worker.close()

    await asyncio.gather(
        work(), work(), sweep(pool, now=at("2026-03-03"), settings=client.settings)
    )
    await sweep(pool, now=at("2026-03-03"), settings=client.settings)
    assert sorted(await warnings(conn)) == [
        ("promised", "yellow", "2026-03-05"),
        ("stage", "yellow", "2026-03-05"),
    ]
    await redis.aclose()


async def test_the_sweeper_queues_precise_jobs_for_the_thresholds_after_those_it_handled(
    client: GraphQLClient, conn: asyncpg.Connection, pool: asyncpg.Pool, redis_url: str
) -> None:
    await accepted_withdrawal(client, conn)
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    # The API's deferred jobs are lost (arq drops a job not picked up within a day of its due
    # time): only the sweeper finds the yellow thresholds.
    await redis.flushdb()
    client.clock.set(at("2026-03-03"))
    ctx = {"pool": pool, "settings": client.settings, "redis": redis, "clock": client.clock}
    assert await sweep_job(ctx) == 2
    assert sorted(await warnings(conn)) == [
        ("promised", "yellow", "2026-03-05"),
        ("stage", "yellow", "2026-03-05"),
    ]

    # Every running clock of the case has its precise job again: one per threshold instant.
    instants = await conn.fetchval(
        "SELECT count(DISTINCT next_check_at) FROM deadline_clock WHERE state = 'running'"
    )
    queued = {m.decode() for m in await redis.zrange(QUEUE, 0, -1)}
    assert len(queued) == instants > 0
    assert all(q.startswith("deadlines:due:") for q in queued)

    # Those jobs raise the red warnings when their time comes, with no sweep.
    client.clock.set(at("2026-03-06"))
    now_ms = int(datetime.now().timestamp() * 1000)
    await redis.zadd(QUEUE, dict.fromkeys(queued, now_ms))
    worker = Worker(
        [func(check_due, name="deadlines.check_due", keep_result=0)],
        redis_pool=ArqRedis(connection_pool=ConnectionPool.from_url(redis_url)),
        queue_name=QUEUE,
        burst=True,
        handle_signals=False,
        poll_delay=0.01,
        ctx={"pool": pool, "settings": client.settings, "clock": client.clock},
    )
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(worker.main(), 2)
    await worker.close()
    assert sorted(await warnings(conn)) == [
        ("promised", "red", "2026-03-05"),
        ("promised", "yellow", "2026-03-05"),
        ("stage", "red", "2026-03-05"),
        ("stage", "yellow", "2026-03-05"),
    ]
    await redis.aclose()
