"""Leases of claimed messages: renewed while a live worker holds them, and a worker that cannot
prove it still holds one sends nothing."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import msgspec
from tests.cases.factories import make_applicant, submit
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Pipeline
from tests.notifications.test_delivery import resident_id

from tongban.devtools.sms_stub import SmsStub
from tongban.notifications.sender import Sender


async def six_applicants_submit(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    for i in range(6):
        token = client.applicant_token(
            await make_applicant(
                conn, id_number=resident_id(i), mobile=f"1370013700{i}", channels=("sms",)
            ),
            name="陈小明",
        )
        await submit(client, token, key=f"leases-{i}")


async def test_messages_waiting_behind_a_slow_provider_keep_their_leases(
    client: GraphQLClient, conn: asyncpg.Connection, pipeline: Pipeline, sms_stub: SmsStub
) -> None:
    await six_applicants_submit(client, conn)
    await pipeline.plan()
    # One send at a time, each taking a quarter of the lease: the last of the six is sent
    # well after the lease taken at the claim would have run out.
    tight = msgspec.structs.replace(
        pipeline.settings,
        notify_lease_seconds=1.2,
        sms_timeout_seconds=0.5,
        smtp_timeout_seconds=0.5,
        notify_concurrency=1,
    )
    sender = Sender(
        pipeline.pool, pipeline.redis, tight, pipeline.clock, sms=pipeline.sms, email=None
    )
    sms_stub.delay = 0.3
    released = 0

    async def catch_up_scan() -> None:
        nonlocal released
        while True:
            released += await sender.release_expired()
            await asyncio.sleep(0.1)

    scan = asyncio.create_task(catch_up_scan())
    try:
        assert await sender.run_once() == 6
    finally:
        scan.cancel()
        await sender.close()
    assert released == 0
    out_ids = [m["out_id"] for m in sms_stub.messages]
    assert len(out_ids) == len(set(out_ids)) == 6
    statuses = await conn.fetch("SELECT status, attempts FROM notification_message")
    assert {(r["status"], r["attempts"]) for r in statuses} == {("sent", 1)}


async def test_a_worker_that_cannot_show_it_still_holds_the_lease_sends_nothing(
    client: GraphQLClient, conn: asyncpg.Connection, pipeline: Pipeline, sms_stub: SmsStub
) -> None:
    await six_applicants_submit(client, conn)
    await pipeline.plan()
    worker = Sender(
        pipeline.pool,
        pipeline.redis,
        pipeline.settings,
        pipeline.clock,
        sms=pipeline.sms,
        email=None,
    )
    claimed = await worker.claim(1)
    [message] = claimed
    # Cut off from the database past its lease: its last renewal is a lease ago, and another
    # worker released the message meanwhile.
    worker._held[message.id].until = time.monotonic()
    await conn.execute(
        "UPDATE notification_message SET lease_until = now() - interval '1 second'"
        " WHERE status = 'sending'"
    )
    assert await pipeline.sender.release_expired() == 1
    assert await worker.deliver(message) is None
    assert sms_stub.messages == []
    await worker.close()
    # The others send it, once (asked at the provider first: it has nothing).
    assert await pipeline.send() == 6
    assert sorted(m["out_id"] for m in sms_stub.messages).count(message.id) == 1
    row = await conn.fetchrow(
        "SELECT status, attempts FROM notification_message WHERE id = $1", message.id
    )
    assert (row["status"], row["attempts"]) == ("sent", 2)
