"""Events become SMS and e-mails, received by a real SMTP server and the SMS provider stub."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec
import redis.asyncio as aioredis
from tests.cases.factories import make_applicant, submit

# The whole business-licence scenario, run here for the notifications it causes (an alias, so
# pytest does not collect it a second time).
from tests.cases.test_lifecycle import (
    test_business_licence_from_street_window_to_rating as business_licence_scenario,
)
from tests.conftest import GraphQLClient
from tests.notifications.conftest import Mailbox, Pipeline
from tests.notifications.test_worker_processes import bench
from tests.scenarios import act, ok

from tongban.clock import MovableClock
from tongban.devtools.sms_stub import SmsStub
from tongban.identifiers import resident_id_check_char
from tongban.notifications.aliyun import receipt_headers
from tongban.notifications.sender import Sender

CHINA = ZoneInfo("Asia/Shanghai")
MESSAGES = """query ($n: String!) { case(number: $n) { messages {
  kind channel audience address status attempts body subject lastError providerMessageId
  sentAt deliveredAt } } }"""


async def messages(client: GraphQLClient, number: str, token: str) -> list[dict[str, Any]]:
    data = await client.execute(MESSAGES, {"n": number}, token=token)
    found: list[dict[str, Any]] = data["case"]["messages"]
    return found


def delivery_report(sms: dict[str, Any]) -> bytes:
    """What the provider pushes once the phone has the message."""
    return msgspec.json.encode(
        [
            {
                "phone_number": sms["phone"],
                "send_time": "2026-03-02 09:30:01",
                "report_time": "2026-03-02 09:30:05",
                "success": True,
                "err_code": "DELIVERED",
                "err_msg": "用户接收成功",
                "sms_size": "1",
                "biz_id": sms["biz_id"],
                "out_id": sms["out_id"],
            }
        ]
    )


async def report_delivery(client: GraphQLClient, sms: dict[str, Any]) -> None:
    body = delivery_report(sms)
    answer = await client.http.post(
        "/notifications/sms/receipts",
        content=body,
        headers=receipt_headers(client.settings.sms_callback_secret, body),
    )
    assert answer.status_code == 200, answer.text


async def rows(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM notification_message ORDER BY created_at, kind, channel")


async def test_the_business_licence_scenario_sends_exactly_the_expected_messages(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    await business_licence_scenario(client, conn)
    number = await conn.fetchval("SELECT number FROM case_record")
    await pipeline.flush()

    matter = "企业设立登记（营业执照）"
    promised = await conn.fetchval(
        "SELECT due_on FROM deadline_clock WHERE kind = 'promised' AND task_id IS NULL"
    )
    delivery = await conn.fetchval(
        "SELECT due_on FROM deadline_clock WHERE kind = 'delivery' AND task_id IS NULL"
    )
    assert promised.isoformat() == "2026-03-05", "3 working days after Monday 2 March"
    assert delivery.isoformat() == "2026-03-16", "10 working days after Monday 2 March"

    expected_sms = [
        f"您申请的{matter}已收件，办件编号{number}，收件日期2026年3月2日。可凭办件编号查询办理进度。",
        # 30 working days (TONGBAN_SUPPLEMENT_PERIOD_DAYS) from Monday 2 March; Qingming 6 April.
        f"您的办件{number}（{matter}）材料需补正，请于2026年4月14日前一次性补齐："
        "股东、法定代表人身份证明、住所使用证明。逾期未补齐的，终止办理。",
        f"您的办件{number}（{matter}）已于2026年3月2日受理，承诺于2026年3月5日前办结。",
        f"您的办件{number}（{matter}）已报请广州市市场监督管理局办理，办件编号和办理期限不变。",
        f"您的办件{number}（{matter}）已作出准予许可决定，文书编号91440106MA5XXXXX1X，"
        "请于2026年3月16日前到石牌街道便民服务中心领取。",
        f"您的办件{number}（{matter}）已签发电子营业执照，证照编号YYZZ-{number}，有效期限"
        "2026年3月2日至长期。可在通办平台“我的证照”查看、下载，今后办事可直接引用，免于提交。",
        f"您的办件{number}（{matter}）的办理结果已于2026年3月2日由陈小明本人在窗口领取。"
        "欢迎对本次服务作出评价。",
    ]
    assert [m["params"]["content"] for m in sms_stub.messages] == expected_sms
    assert {m["phone"] for m in sms_stub.messages} == {"13800138000"}
    assert {m["sign_name"] for m in sms_stub.messages} == {"通办"}
    assert all(set(m["params"]) == {"content"} for m in sms_stub.messages)
    assert {m["template_code"] for m in sms_stub.messages} == {"SMS_TONGBAN_NOTICE"}
    values = await conn.fetchval(
        "SELECT params FROM notification_message WHERE kind = 'accepted' AND channel = 'sms'"
    )
    assert values["promisedDueOn"] == "2026年3月5日" and values["caseNumber"] == number

    assert [str(m["Subject"]) for m in mailbox.messages] == [
        f"已收件：{matter}（{number}）",
        f"请补正材料：{matter}（{number}）",
        f"已受理：{matter}（{number}）",
        f"报请上级办理：{matter}（{number}）",
        f"办理结果及领取：{matter}（{number}）",
        f"电子证照已签发：营业执照（YYZZ-{number}）",
        f"已送达：{matter}（{number}）",
    ]
    assert {str(m["To"]) for m in mailbox.messages} == {"xiaoming@example.cn"}
    supplement = mailbox.text(mailbox.messages[1])
    assert "请一次性补齐以下全部材料：\n股东、法定代表人身份证明、住所使用证明" in supplement
    assert "经办说明：请补充身份证明和住所使用证明" in supplement
    assert "补正期限为30个工作日，请于2026年4月14日前补齐；逾期未补齐的，本申请将终止办理。" in (
        supplement
    )
    assert "承诺于2026年3月5日前办结（法定期限" in mailbox.text(mailbox.messages[2])
    handed_up = mailbox.text(mailbox.messages[3])
    assert "已报请广州市市场监督管理局办理。办件编号不变，办理期限继续计算" in handed_up
    assert "原因：涉及市级审批权限" in handed_up

    # Nothing more, however often the pipeline runs again.
    await pipeline.flush()
    assert len(sms_stub.messages) == 7 and len(mailbox.messages) == 7

    applicant = client.applicant_token(
        await conn.fetchval("SELECT applicant_id::text FROM case_record"), name="陈小明"
    )
    seen = await messages(client, number, applicant)
    assert [(m["kind"], m["channel"], m["status"]) for m in seen] == [
        (kind.upper(), channel, "SENT")
        for kind in (
            "received",
            "supplement_requested",
            "accepted",
            "handed_up",
            "ready_for_delivery",
            "licence_issued",
            "delivered_window",
        )
        for channel in ("EMAIL", "SMS")
    ]
    assert {m["address"] for m in seen} == {"13800138000", "xiaoming@example.cn"}
    officer = await messages(client, number, await client.officer_token("gz.scjg.head"))
    assert len(officer) == 14
    assert {m["address"] for m in officer} == {"138****8000", "x***@example.cn"}


async def test_delivery_reports_mark_sms_delivered_and_forged_reports_are_refused(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
) -> None:
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    number = ok(await submit(client, applicant))["number"]
    await pipeline.flush()
    [sms] = sms_stub.messages
    report = delivery_report(sms)
    forged = await client.http.post(
        "/notifications/sms/receipts",
        content=report,
        headers={"X-Tongban-Signature": "sha256=" + "0" * 64},
    )
    assert forged.status_code == 401
    assert (await messages(client, number, applicant))[1]["status"] == "SENT"

    secret = client.settings.sms_callback_secret
    answer = await client.http.post(
        "/notifications/sms/receipts",
        content=report,
        headers=receipt_headers(secret, report),
    )
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "成功"}
    [email, text] = await messages(client, number, applicant)
    assert (text["channel"], text["status"], text["providerMessageId"]) == (
        "SMS",
        "DELIVERED",
        sms["biz_id"],
    )
    assert text["deliveredAt"].startswith("2026-03-02T01:30:05")
    assert email["status"] == "SENT", "e-mail has no delivery report"


async def test_three_server_errors_then_delivered_after_backoff(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    clock: MovableClock,
) -> None:
    sms_stub.fail_next(3, status=500)
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    number = ok(await submit(client, applicant))["number"]
    await pipeline.flush()
    for attempt in (1, 2, 3):
        row = await conn.fetchrow("SELECT * FROM notification_message WHERE channel = 'sms'")
        assert (row["status"], row["attempts"]) == ("retry", attempt)
        assert row["last_error"].startswith("HTTP 500 ServiceUnavailable")
        wait = (row["next_attempt_at"] - clock.now()).total_seconds()
        assert 30 * 2 ** (attempt - 1) * 0.8 <= wait <= 30 * 2 ** (attempt - 1) * 1.2
        assert await pipeline.send() == 0, "not before its time"
        clock.set(row["next_attempt_at"])
        await pipeline.send()
    assert len(sms_stub.messages) == 1
    [_, sms] = await messages(client, number, applicant)
    assert (sms["status"], sms["attempts"]) == ("SENT", 4)
    await report_delivery(client, sms_stub.messages[0])
    [_, sms] = await messages(client, number, applicant)
    assert (sms["status"], sms["attempts"], sms["lastError"]) == (
        "DELIVERED",
        4,
        "HTTP 500 ServiceUnavailable: Injected failure.",
    )


async def test_permanent_errors_fail_at_once_and_show_on_the_case(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    sms_stub.reject_phone("13800138000", code="isv.MOBILE_NUMBER_ILLEGAL")
    mailbox.refuse["xiaoming@example.cn"] = "550 5.1.1 no such user"
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    number = ok(await submit(client, applicant))["number"]
    await pipeline.flush()
    found = await messages(client, number, await client.officer_token("th.shipai.window"))
    assert [(m["channel"], m["status"], m["attempts"]) for m in found] == [
        ("EMAIL", "FAILED", 1),
        ("SMS", "FAILED", 1),
    ]
    assert "550" in found[0]["lastError"]
    assert "isv.MOBILE_NUMBER_ILLEGAL" in found[1]["lastError"]
    assert sms_stub.messages == [] and mailbox.messages == []


async def test_temporary_failures_give_up_after_the_last_attempt(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    clock: MovableClock,
) -> None:
    sms_stub.fail_next(100, status=503)
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    await submit(client, applicant)
    await pipeline.flush()
    for _ in range(10):
        clock.set(clock.now() + timedelta(hours=2))
        await pipeline.send()
    row = await conn.fetchrow("SELECT * FROM notification_message WHERE channel = 'sms'")
    assert (row["status"], row["attempts"]) == ("failed", pipeline.settings.notify_max_attempts)
    assert row["failed_at"] is not None


async def test_each_event_gives_one_message_per_recipient_and_channel_however_often_delivered(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    await submit(client, applicant)
    await pipeline.flush()
    # The relay publishes everything again (at-least-once), the stream entries are re-read, and
    # the catch-up scan runs: still one message each.
    await conn.execute("UPDATE outbox SET published_at = NULL, notified_at = NULL")
    await pipeline.flush()
    await conn.execute("UPDATE outbox SET notified_at = NULL")
    await pipeline.notifier.catch_up()
    await pipeline.send()
    assert await conn.fetchval("SELECT count(*) FROM notification_message") == 2
    assert len(sms_stub.messages) == 1 and len(mailbox.messages) == 1


async def test_channel_preferences_decide_what_is_sent(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    applicant = client.applicant_token(
        await make_applicant(conn, channels=("email",)), name="陈小明"
    )
    await submit(client, applicant)
    await pipeline.flush()
    assert sms_stub.messages == [] and len(mailbox.messages) == 1


async def test_quiet_hours_hold_sms_but_not_email_until_morning(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
    clock: MovableClock,
) -> None:
    clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=CHINA))
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    number = ok(await submit(client, applicant))["number"]
    await pipeline.flush()
    assert sms_stub.messages == [] and len(mailbox.messages) == 1
    [_, sms] = await messages(client, number, applicant)
    assert sms["status"] == "PENDING"
    morning = datetime(2026, 3, 3, 8, 0, tzinfo=CHINA)
    assert (
        await conn.fetchval(
            "SELECT next_attempt_at FROM notification_message WHERE channel = 'sms'"
        )
        == morning
    )
    clock.set(datetime(2026, 3, 3, 7, 59, tzinfo=CHINA))
    assert await pipeline.send() == 0
    clock.set(morning)
    assert await pipeline.send() == 1
    assert len(sms_stub.messages) == 1


async def test_officers_get_warnings_and_red_ones_come_through_quiet_hours(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    clock: MovableClock,
) -> None:
    from tongban.deadlines.enforcement import sweep

    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    case = ok(await submit(client, applicant))
    window = await client.officer_token("th.shipai.window")
    case = ok(
        await act(
            client,
            window,
            "acceptCase",
            "",
            {"number": case["number"], "expectedVersion": case["version"]},
        )
    )
    await pipeline.flush()
    sms_stub.messages.clear()
    # Past the promised limit (5 March) at night: yellow and red are raised together.
    clock.set(datetime(2026, 3, 6, 23, 0, tzinfo=CHINA))
    await sweep(pipeline.pool, now=clock.now(), settings=pipeline.settings)
    await pipeline.flush()
    warnings = await conn.fetch(
        """SELECT kind, channel, status, body FROM notification_message
           WHERE audience = 'officer' ORDER BY kind, channel"""
    )
    kinds = {(r["kind"], r["channel"]): r["status"] for r in warnings}
    assert kinds[("deadline_red", "sms")] == "sent", "urgent: sent at night"
    assert kinds[("deadline_yellow", "sms")] == "pending", "not urgent: waits for the morning"
    red = next(
        m
        for m in sms_stub.messages
        if "红牌" in m["params"]["content"] and "承诺" in m["params"]["content"]
    )
    assert red["params"]["content"] == (
        f"【红牌预警】办件{case['number']}（企业设立登记（营业执照））已超过承诺办结期限"
        "（2026年3月5日），请立即办理。"
    )
    recipients = await conn.fetchval(
        "SELECT count(DISTINCT recipient_id) FROM notification_message WHERE audience = 'officer'"
    )
    assert recipients >= 1


async def test_without_the_rate_limiter_nothing_is_sent_and_messages_wait(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    mailbox: Mailbox,
) -> None:
    applicant = client.applicant_token(await make_applicant(conn), name="陈小明")
    await submit(client, applicant)
    await pipeline.plan()
    dead = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    blind = Sender(
        pipeline.pool,
        dead,
        pipeline.settings,
        pipeline.clock,
        sms=pipeline.sms,
        email=pipeline.email,
    )
    assert await blind.run_once() == 0
    assert blind.limiter_errors == 2
    assert sms_stub.messages == [] and mailbox.messages == []
    assert set(
        await conn.fetchval("SELECT array_agg(DISTINCT status) FROM notification_message")
    ) == {"pending"}
    await dead.aclose()
    assert await pipeline.send() == 2, "sent once the limiter answers"


async def test_the_rate_limit_holds_across_senders(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
) -> None:
    for i in range(8):
        token = client.applicant_token(
            await make_applicant(
                conn, id_number=resident_id(i), mobile=f"1380013800{i}", channels=("sms",)
            ),
            name="陈小明",
        )
        await submit(client, token, key=f"rate-limit-{i}")
    await pipeline.plan()
    tight = msgspec.structs.replace(pipeline.settings, sms_rate_per_second=0.001, sms_rate_burst=5)
    redis = aioredis.Redis.from_url(pipeline.settings.redis_url)
    senders = [
        Sender(pipeline.pool, redis, tight, pipeline.clock, sms=pipeline.sms, email=None)
        for _ in range(2)
    ]
    sent = [await s.run_once() for s in senders] + [await s.run_once() for s in senders]
    assert sum(sent) == 5, sent
    assert len(sms_stub.messages) == 5
    await redis.aclose()


def resident_id(i: int) -> str:
    first17 = f"44052419900101{i:03d}"
    return first17 + resident_id_check_char(first17)


async def test_a_worker_lost_mid_send_is_reconciled_with_the_provider_not_resent(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    clock: MovableClock,
) -> None:
    for i, key in enumerate(("lost-mid-send-a", "lost-mid-send-b")):
        token = client.applicant_token(
            await make_applicant(
                conn, id_number=resident_id(i), mobile=f"1390013900{i}", channels=("sms",)
            ),
            name="陈小明",
        )
        await submit(client, token, key=key)
    await pipeline.plan()
    # A worker claims both, the provider accepts the first, and the worker dies before it
    # records anything.
    claimed = await pipeline.sender._claim(clock.now(), {"sms": 10}, quiet=False)
    assert len(claimed) == 2
    first = next(m for m in claimed if m.address.endswith("0"))
    outcome = await pipeline.sms.send(
        message_id=first.id, phone=first.address, text=first.body, params={}
    )
    assert outcome.status == "sent"
    assert await pipeline.send() == 0, "leased to the lost worker"
    # Leases run on the real clock: the platform's clock (legal dates) moving on frees nothing.
    clock.set(clock.now() + timedelta(seconds=pipeline.settings.notify_lease_seconds + 1))
    assert await pipeline.sender.release_expired() == 0
    # As when the lease's seconds have passed with no renewal from the lost worker.
    await conn.execute(
        "UPDATE notification_message SET lease_until = now() - interval '1 second'"
        " WHERE status = 'sending'"
    )
    assert await pipeline.sender.release_expired() == 2
    assert await pipeline.send() == 2
    assert sorted(m["phone"] for m in sms_stub.messages) == ["13900139000", "13900139001"]
    statuses = await conn.fetch(
        "SELECT address, status, attempts, provider_message_id FROM notification_message"
    )
    assert {(r["address"], r["status"], r["attempts"]) for r in statuses} == {
        ("13900139000", "sent", 2),
        ("13900139001", "sent", 2),
    }
    assert (
        next(r for r in statuses if r["address"] == "13900139000")["provider_message_id"]
        == outcome.provider_message_id
    )


async def test_one_address_gets_its_messages_one_at_a_time_in_event_order(
    client: GraphQLClient,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    clock: MovableClock,
) -> None:
    applicant = client.applicant_token(await make_applicant(conn, channels=("sms",)), name="陈小明")
    case = ok(await submit(client, applicant))
    window = await client.officer_token("th.shipai.window")
    await act(
        client,
        window,
        "acceptCase",
        "",
        {"number": case["number"], "expectedVersion": case["version"]},
    )
    await pipeline.plan()
    # A claim takes one message per address, the earliest event's: "received", not
    # "accepted" as well; and no later claim takes "accepted" while "received" is in flight.
    first = await pipeline.sender._claim(clock.now(), {"sms": 10}, quiet=False)
    assert [m.body.startswith("您申请的") for m in first] == [True]
    assert await pipeline.sender._claim(clock.now(), {"sms": 10}, quiet=False) == []
    sent = [await pipeline.sender._send(m) for m in first]  # the first loop finishes
    await pipeline.sender._record([r for r in sent if r is not None])
    second = await pipeline.sender._claim(clock.now(), {"sms": 10}, quiet=False)
    assert [m.event_seq > first[0].event_seq for m in second] == [True]


async def test_a_flood_to_one_phone_does_not_hold_up_everyone_elses_messages(
    database: str, conn: asyncpg.Connection, pipeline: Pipeline, clock: MovableClock
) -> None:
    b = bench()
    await b.seed_events(database, 30, mobile="13912345678")  # first in line
    await b.seed_events(database, 5, start=1000)  # five other people's, behind it
    await pipeline.plan()
    # One of the flood (its first), and someone else's from behind it.
    first = await pipeline.sender._claim(clock.now(), {"sms": 2}, quiet=False)
    assert [m.address == "13912345678" for m in first] == [True, False]
    # While that one is in flight, the rest of the flood is passed over, not claimed nor
    # crowding the claim out.
    second = await pipeline.sender._claim(clock.now(), {"sms": 2}, quiet=False)
    assert len(second) == 2
    assert "13912345678" not in {m.address for m in second}


async def test_one_phone_gets_at_most_the_hourly_cap_of_non_urgent_sms(
    database: str,
    conn: asyncpg.Connection,
    pipeline: Pipeline,
    sms_stub: SmsStub,
    clock: MovableClock,
) -> None:
    """A window filing case after case for one phone (300 SMS in 4 s) is throttled per number:
    beyond the cap the rest wait for the next hour, without using up their attempts."""
    b = bench()
    await b.seed_events(database, 5, mobile="13912345678")
    await pipeline.plan()
    capped = Sender(
        pipeline.pool,
        pipeline.redis,
        msgspec.structs.replace(pipeline.settings, sms_per_recipient_per_hour=3),
        clock,
        sms=pipeline.sms,
        email=pipeline.email,
    )
    while await capped.run_once():
        pass
    await capped.close()
    assert len(sms_stub.messages) == 3
    waiting = await conn.fetch(
        "SELECT attempts, next_attempt_at, last_error FROM notification_message "
        "WHERE status = 'retry'"
    )
    assert len(waiting) == 2
    next_hour = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert {(w["attempts"], w["next_attempt_at"]) for w in waiting} == {(0, next_hour)}
    assert "non-urgent SMS this hour" in waiting[0]["last_error"]

    # The next hour they go out.
    clock.set(clock.now() + timedelta(hours=1))
    while await capped.run_once():
        pass
    await capped.close()
    assert len(sms_stub.messages) == 5
