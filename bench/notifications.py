"""Notification benchmark (a script, not a test).

    uv run python bench/notifications.py                    # 20,000 events, 1 worker process
    uv run python bench/notifications.py --events 200       # smoke size
    uv run python bench/notifications.py --workers 2
    uv run python bench/notifications.py --per-minute 500 --seconds 60 --delay 0.1

Throughput (default): seeds N committed events (one submission each, every applicant with
their own phone, SMS only), starts the local SMS provider stub and N real `tongban worker
notifications` processes, lets the relay publish the events, and waits until every message is
sent. Prints messages per second per worker process and what the stub received: duplicates and
missing messages.

Latency (``--per-minute``): commits one submission event after another at that rate for
``--seconds``, with a real relay process and a notification worker, the stub answering each
SendSms after ``--delay`` seconds; prints p50/p99/max from the event's commit to its SMS
reaching the provider (and to the provider's answer), how many events were planned only by the
slower catch-up scan, duplicates and missing messages.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # also when a test loads this file

from support import free_port, fresh_database, wait_for_port  # noqa: E402
from tongban import db  # noqa: E402
from tongban.cases.events import Submitted  # noqa: E402
from tongban.config import load_settings  # noqa: E402
from tongban.events import relay  # noqa: E402
from tongban.events.types import OutboxMessage, payload_of  # noqa: E402

REDIS = os.environ.get("TONGBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET = "bench-access-key-secret"


async def seed_events(
    url: str, count: int, *, start: int = 0, mobile: str | None = None, email: str | None = None
) -> None:
    """COPY ``count`` received cases, each with its submission event and unpublished outbox
    row; every applicant has their own mobile and wants SMS only — or, given ``mobile``, one
    applicant with that phone (and ``email``, then wanting both channels) files them all."""
    conn = await db.connect(url)
    ref = await conn.fetchrow(
        """SELECT m.id AS matter_id, d.id AS department_id FROM matter m
           JOIN matter_version v ON v.matter_id = m.id AND v.version = m.current_version
           JOIN department d ON d.id = v.department_id WHERE m.code = 'GD-BL-001'"""
    )
    now = datetime.now(UTC)
    cases = [uuid.uuid4() for _ in range(count)]
    events = [uuid.uuid4() for _ in range(count)]
    if mobile is None:
        applicants = [uuid.uuid4() for _ in range(count)]
        people = [
            (a, "person", f"压测{start + i}", f"B{start + i:017d}", f"139{start + i:08d}", None)
            for i, a in enumerate(applicants)
        ]
    else:
        applicants = [uuid.uuid4()] * count
        people = [(applicants[0], "person", f"压测{start}", f"B{start:017d}", mobile, email)]
    channels = ["sms", "email"] if email else ["sms"]
    await conn.copy_records_to_table(
        "applicant",
        columns=["id", "kind", "name", "id_number", "mobile", "email", "channels"],
        records=[(*person, channels) for person in people],
    )
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
            "received_at",
            "received_on",
        ],
        records=[
            (
                c,
                f"N{start + i:020d}",
                ref["matter_id"],
                1,
                applicants[i],
                "bench",
                f"bench-{start + i}",
                "x",
                "440106005",
                ["440000", "440100", "440106", "440106005"],
                "440106",
                ["440000", "440100", "440106"],
                ref["department_id"],
                "received",
                0,
                now,
                now.date(),
            )
            for i, c in enumerate(cases)
        ],
    )
    # The history payload the API writes for a submission (the planner decodes it by type).
    submitted = payload_of(
        Submitted(
            matter_code="GD-BL-001",
            matter_version=1,
            receiving_region="440106005",
            materials=[],
            received_on=now.date(),
            deadlines={},
        )
    )
    await conn.copy_records_to_table(
        "case_event",
        columns=["id", "case_id", "case_version", "action", "actor_kind", "payload"],
        records=[
            (e, cases[i], 1, "submitted", "applicant", submitted) for i, e in enumerate(events)
        ],
    )
    await conn.copy_records_to_table(
        "outbox",
        columns=["event_id", "case_id", "topic", "payload"],
        records=[
            (e, c, "case.submitted", msgspec.to_builtins(OutboxMessage(action="submitted")))
            for e, c in zip(events, cases, strict=True)
        ],
    )
    await conn.close()


def worker_env(url: str, redis_url: str, stub_url: str, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    values = {
        "env": "test",
        "database_url": url,
        "redis_url": redis_url,
        "log_level": "WARNING",
        "sms_endpoint": stub_url,
        "sms_access_key_secret": SECRET,
        "sms_rate_per_second": "100000",
        "sms_rate_burst": "2000",
        "db_pool_max": "10",
        "notify_quiet_hours": "",
        # Floods to one phone are what some runs measure (the cap is tested on its own).
        "sms_per_recipient_per_hour": "0",
    } | {k: str(v) for k, v in settings.items()}
    return env | {f"TONGBAN_{k.upper()}": v for k, v in values.items()}


def start_stub(port: int, record: Path) -> subprocess.Popen[bytes]:
    stub = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tongban.devtools.sms_stub",
            "--port",
            str(port),
            "--secret",
            SECRET,
            "--record",
            str(record),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return stub


def start_worker(env: dict[str, str], group: str = "notifications") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "worker", group], env=env, cwd=ROOT
    )


async def wait_for_group(redis: aioredis.Redis, seconds: float = 30.0) -> None:
    """Workers create the consumer group on start; events published before it would only be
    found by the (slower) catch-up scan."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if await redis.xinfo_groups(relay.STREAM):
                return
        except aioredis.ResponseError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError("no notification worker joined the stream")


async def sent_count(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM notification_message WHERE status = 'sent'"
    )
    return count


def received(record: Path) -> list[str]:
    """The OutId (our message id) of every SendSms the stub accepted, in arrival order."""
    if not record.exists():
        return []
    return [
        json.loads(line)["out_id"]
        for line in record.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latency(args: argparse.Namespace) -> None:
    url = await fresh_database("tongban_bench_notifications")
    redis = aioredis.Redis.from_url(REDIS)
    await redis.flushdb()
    count = round(args.per_minute * args.seconds / 60)
    record = Path(f"/tmp/tongban-bench-sms-{os.getpid()}.jsonl")
    record.unlink(missing_ok=True)
    port = free_port()
    stub = start_stub(port, record)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_stub/delay?seconds={args.delay}", method="POST"
    )
    await asyncio.to_thread(urllib.request.urlopen, request)
    env = worker_env(url, REDIS, f"http://127.0.0.1:{port}/")
    processes = [start_worker(env, "relay"), start_worker(env)]
    conn = await db.connect(url)
    try:
        await wait_for_group(redis)
        interval = 60.0 / args.per_minute
        t0 = time.perf_counter()
        for i in range(count):
            await asyncio.sleep(max(0.0, t0 + i * interval - time.perf_counter()))
            await seed_events(url, 1, start=i)
        deadline = time.perf_counter() + args.timeout
        while (done := await sent_count(conn)) < count:
            if time.perf_counter() > deadline:
                print(f"timed out with {done:,} of {count:,} sent")
                break
            await asyncio.sleep(0.2)
        rows = await conn.fetch(
            """SELECT m.id::text, o.created_at,
                      extract(epoch FROM m.created_at - o.published_at)::float8 AS planned_after
               FROM notification_message m JOIN outbox o ON o.id = m.event_seq"""
        )
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(60)
        stub.terminate()
        stub.wait(10)
        await conn.close()
        await redis.flushdb()
        await redis.aclose()
    lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line]
    record.unlink(missing_ok=True)
    committed = {r["id"]: r["created_at"] for r in rows}
    to_request = [
        (datetime.fromisoformat(m["requested_at"]) - committed[m["out_id"]]).total_seconds()
        for m in lines
        if m["out_id"] in committed
    ]
    to_answer = [
        (datetime.fromisoformat(m["received_at"]) - committed[m["out_id"]]).total_seconds()
        for m in lines
        if m["out_id"] in committed
    ]
    ids = [m["out_id"] for m in lines]
    late = sum(1 for r in rows if r["planned_after"] is not None and r["planned_after"] > 5.0)
    print(
        f"{count:,} events at {args.per_minute:g} submissions/minute, "
        f"provider answering in {args.delay:g} s"
    )
    for name, values in (("SMS at the provider", to_request), ("provider answered", to_answer)):
        if values:
            print(
                f"event -> {name}: p50 {percentile(values, 0.5) * 1000:.0f} ms, "
                f"p99 {percentile(values, 0.99) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
            )
    print(f"events planned only by the catch-up scan (> 5 s after publication): {late}")
    duplicates = len(ids) - len(set(ids))
    missing = count - len(set(ids) & set(committed))
    print(f"duplicates at the stub: {duplicates}; missing: {missing}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--per-minute", type=float, default=0.0, help="latency mode: submissions per minute"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="latency mode: duration")
    parser.add_argument("--delay", type=float, default=0.0, help="latency mode: provider delay")
    args = parser.parse_args()
    if args.per_minute > 0:
        await latency(args)
        return

    url = await fresh_database("tongban_bench_notifications")
    redis = aioredis.Redis.from_url(REDIS)
    await redis.flushdb()
    started = time.perf_counter()
    await seed_events(url, args.events)
    print(f"seeded {args.events:,} events in {time.perf_counter() - started:.1f} s")

    record = Path(f"/tmp/tongban-bench-sms-{os.getpid()}.jsonl")
    record.unlink(missing_ok=True)
    port = free_port()
    stub = start_stub(port, record)
    env = worker_env(url, REDIS, f"http://127.0.0.1:{port}/")
    workers = [start_worker(env) for _ in range(args.workers)]
    conn = await db.connect(url)
    try:
        await wait_for_group(redis)
        app_pool = await db.create_pool(load_settings({}, database_url=url, redis_url=REDIS))
        t0 = time.perf_counter()
        await relay.drain(app_pool, redis)
        published = time.perf_counter() - t0
        while (done := await sent_count(conn)) < args.events:
            if time.perf_counter() - t0 > args.timeout:
                print(f"timed out with {done:,} of {args.events:,} sent")
                break
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - t0
        await app_pool.close()
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(60)
        stub.terminate()
        stub.wait(10)
        await conn.close()
    ids = received(record)
    conn = await db.connect(url)
    expected = {r["id"] for r in await conn.fetch("SELECT id::text FROM notification_message")}
    await conn.close()
    await redis.flushdb()
    await redis.aclose()
    record.unlink(missing_ok=True)
    duplicates = len(ids) - len(set(ids))
    missing = len(expected - set(ids)) + max(0, args.events - len(expected))
    rate = len(set(ids)) / elapsed
    print(f"relay published {args.events:,} events in {published:.2f} s")
    print(
        f"{len(set(ids)):,} messages in {elapsed:.2f} s with {args.workers} worker process(es): "
        f"{rate:,.0f} msg/s, {rate / args.workers:,.0f} msg/s per worker process"
    )
    print(f"duplicates at the stub: {duplicates}; missing: {missing}")


if __name__ == "__main__":
    asyncio.run(main())
