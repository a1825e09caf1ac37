"""The stream consumer acknowledges an entry only once its event is planned."""

from __future__ import annotations

import asyncpg
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Pipeline

from tongban import db
from tongban.events import relay
from tongban.notifications.notifier import GROUP


async def pending_entries(pipeline: Pipeline) -> int:
    summary = await pipeline.redis.xpending(relay.STREAM, GROUP)
    count: int = summary["pending"]
    return count


async def test_an_event_whose_outbox_row_is_locked_stays_pending_and_is_planned_once_free(
    client: GraphQLClient, conn: asyncpg.Connection, database: str, pipeline: Pipeline
) -> None:
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    await submit(client, applicant)
    await relay.drain(pipeline.pool, pipeline.redis)
    # The relay's transaction holds the rows it published until it commits, and the stream
    # entry is readable before that: hold the lock the same way.
    relay_tx = await db.connect(database)
    try:
        async with relay_tx.transaction():
            await relay_tx.execute("SELECT id FROM outbox FOR UPDATE")
            assert await pipeline.notifier.consume_once(block_ms=1) == 0
            assert await pending_entries(pipeline) == 1, "not acknowledged while unplanned"
            assert await conn.fetchval("SELECT count(*) FROM notification_message") == 0
            assert len(pipeline.notifier.unplanned) == 1
    finally:
        await relay_tx.close()
    # No catch-up scan runs here: the consumer itself plans the event it kept.
    assert await pipeline.notifier.consume_once(block_ms=1) == 1
    assert await pending_entries(pipeline) == 0
    assert pipeline.notifier.unplanned == []
    assert await conn.fetchval("SELECT count(*) FROM notification_message") == 2
    assert await conn.fetchval("SELECT count(*) FROM outbox WHERE notified_at IS NULL") == 0


async def test_an_event_planned_elsewhere_meanwhile_is_acknowledged_not_planned_again(
    client: GraphQLClient, conn: asyncpg.Connection, pipeline: Pipeline
) -> None:
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    await submit(client, applicant)
    await relay.drain(pipeline.pool, pipeline.redis)
    # The catch-up scan (or another worker) got there first.
    await pipeline.notifier.catch_up()
    assert await conn.fetchval("SELECT count(*) FROM notification_message") == 0, "too young"
    await conn.execute("UPDATE outbox SET published_at = published_at - interval '1 minute'")
    await pipeline.notifier.catch_up()
    assert await conn.fetchval("SELECT count(*) FROM notification_message") == 2
    assert await pipeline.notifier.consume_once(block_ms=1) == 1
    assert await pending_entries(pipeline) == 0
    assert await conn.fetchval("SELECT count(*) FROM notification_message") == 2
