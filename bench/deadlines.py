"""Deadline benchmark (a script, not a test).

    uv run python bench/deadlines.py                      # 1,000,000 open, 1,000 due, 60 s window
    uv run python bench/deadlines.py --open 5000 --due 50 --latency 50 --window 5   # smoke size
    uv run python bench/deadlines.py --database bench_NAME   # databases of one's own

Prints: the time to find the due thresholds among N open clocks (and among 10,000), the time to
handle them all (warnings committed), and the latency from threshold instant to committed warning
for thresholds falling within a window while a real `tongban worker deadlines` process runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from support import ADMIN, drop_database, fresh_database  # noqa: E402
from tongban import db  # noqa: E402
from tongban.config import load_settings  # noqa: E402
from tongban.deadlines import repository as deadlines_repo  # noqa: E402
from tongban.deadlines.enforcement import sweep  # noqa: E402
from tongban.deadlines.tasks import schedule_jobs  # noqa: E402

REDIS = os.environ.get("TONGBAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


async def seed(url: str, *, open_count: int, due: int, now: datetime) -> None:
    """COPY ``open_count`` cases under review, each with a running promised clock; ``due`` of
    them have a threshold already due."""
    conn = await db.connect(url)
    ref = await conn.fetchrow(
        """SELECT m.id AS matter_id, d.id AS department_id FROM matter m
           JOIN matter_version v ON v.matter_id = m.id AND v.version = m.current_version
           JOIN department d ON d.id = v.department_id WHERE m.code = 'GD-BL-001'"""
    )
    applicant = await conn.fetchval(
        """INSERT INTO applicant (kind, name, id_number, mobile) VALUES
           ('person', '压测', '440524188001015368', '13800138000') RETURNING id"""
    )
    today = now.date()
    future = now + timedelta(days=30)
    step = 100_000
    for offset in range(0, open_count, step):
        size = min(step, open_count - offset)
        ids = [uuid.uuid4() for _ in range(size)]
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
                    f"B{offset + i:020d}",
                    ref["matter_id"],
                    1,
                    applicant,
                    "bench",
                    f"bench-{offset + i}",
                    "x",
                    "440106005",
                    ["440000", "440100", "440106", "440106005"],
                    "440106",
                    ["440000", "440100", "440106"],
                    ref["department_id"],
                    "under_review",
                    0,
                    {},
                    now,
                    today,
                    today,
                )
                for i, cid in enumerate(ids)
            ],
        )
        await conn.copy_records_to_table(
            "deadline_clock",
            columns=[
                "case_id",
                "kind",
                "start_on",
                "limit_days",
                "state",
                "due_on",
                "next_check_at",
                "next_level",
            ],
            records=[
                (
                    cid,
                    "promised",
                    today,
                    20,
                    "running",
                    today + timedelta(days=28),
                    (now - timedelta(seconds=1)) if offset + i < due else future,
                    "yellow",
                )
                for i, cid in enumerate(ids)
            ],
        )
    await conn.execute("ANALYZE case_record; ANALYZE deadline_clock")
    await conn.close()


async def time_find(url: str, now: datetime, repeat: int = 20) -> float:
    conn = await db.connect(url)
    await deadlines_repo.due_clock_ids(conn, now=now, limit=1000)  # warm
    started = time.perf_counter()
    for _ in range(repeat):
        await deadlines_repo.due_clock_ids(conn, now=now, limit=1000)
    elapsed = (time.perf_counter() - started) / repeat
    await conn.close()
    return elapsed


async def time_sweep(url: str, now: datetime, due: int) -> tuple[float, float, int, int]:
    """Wall and CPU (this process) seconds of one sweep handling ``due`` thresholds, its
    statements and the warnings it raised."""
    settings = load_settings({}, database_url=url, redis_url=REDIS, sweep_batch=max(due, 1))
    pool = await db.create_pool(settings)
    started, cpu = time.perf_counter(), time.process_time()
    with db.count_statements() as statements:
        handled = await sweep(pool, now=now, settings=settings)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await pool.close()
    return elapsed, cpu, statements[0], handled


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def latency(url: str, *, count: int, window: float, lead: float) -> tuple[list[float], float]:
    """Thresholds spread over ``window`` seconds starting ``lead`` seconds from now (time for
    the worker to start and the jobs to be queued); a real worker process raises them. Returns
    the latencies and the worker's CPU seconds from the first threshold to the last warning."""
    conn = await db.connect(url)
    settings = load_settings({}, database_url=url, redis_url=REDIS)
    pool = await db.create_pool(settings)
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(REDIS))
    await redis.flushdb()
    env = dict(os.environ) | {
        "TONGBAN_DATABASE_URL": url,
        "TONGBAN_REDIS_URL": REDIS,
        "TONGBAN_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "worker", "deadlines"], env=env, cwd=ROOT
    )
    instants: dict[str, datetime] = {}
    try:
        started = time.monotonic()
        start = datetime.now(UTC) + timedelta(seconds=lead)
        rows = await conn.fetch(
            """SELECT id, case_id::text FROM deadline_clock
               WHERE next_check_at > now() + interval '1 day' LIMIT $1""",
            count,
        )
        instants |= {
            str(r["id"]): start + timedelta(seconds=window * i / max(count, 1))
            for i, r in enumerate(rows)
        }
        await conn.execute(
            """UPDATE deadline_clock k SET next_check_at = x.at, version = k.version + 1
               FROM unnest($1::uuid[], $2::timestamptz[]) AS x(id, at) WHERE k.id = x.id""",
            list(instants),
            list(instants.values()),
        )
        await schedule_jobs(pool, redis, case_ids=[r["case_id"] for r in rows])
        setup = time.monotonic() - started
        print(f"  {len(instants):,} thresholds queued in {setup:.1f} s (lead {lead:.0f} s)")
        await asyncio.sleep(max(lead - setup, 0.0))
        cpu = cpu_seconds(worker.pid)
        deadline = time.monotonic() + lead + window + 60
        while time.monotonic() < deadline:
            raised = await conn.fetchval(
                "SELECT count(*) FROM deadline_warning WHERE clock_id = ANY($1::uuid[])",
                list(instants),
            )
            if raised >= len(instants):
                break
            await asyncio.sleep(0.5)
        cpu = cpu_seconds(worker.pid) - cpu
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    found = await conn.fetch("SELECT clock_id::text, raised_at FROM deadline_warning")
    await redis.aclose()
    await pool.close()
    await conn.close()
    return [
        (r["raised_at"] - instants[r["clock_id"]]).total_seconds()
        for r in found
        if r["clock_id"] in instants
    ], cpu


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--latency", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--lead", type=float, default=15.0, help="seconds to queue the jobs")
    parser.add_argument("--database", default="tongban_bench", help="prefix of the databases")
    args = parser.parse_args()
    now = datetime.now(UTC)
    print(f"machine: {os.cpu_count()} cores; PostgreSQL at {urlsplit(ADMIN).hostname}")

    results: dict[int, tuple[float, float, int]] = {}
    for size in (args.small, args.open):
        url = await fresh_database(f"{args.database}_{size}")
        started = time.perf_counter()
        await seed(url, open_count=size, due=args.due, now=now)
        print(
            f"seeded {size:,} open cases ({args.due:,} due) in {time.perf_counter() - started:.1f} s"
        )
        find = await time_find(url, now)
        handle, cpu, statements, handled = await time_sweep(url, now, args.due)
        results[size] = (find, handle, handled)
        print(
            f"  find due among {size:,}: {find * 1000:.2f} ms; handle {handled:,} warnings: "
            f"{handle:.2f} s ({cpu:.2f} s CPU in Python, {statements:,} statements)"
        )
        if size == args.open:
            lat, cpu = await latency(url, count=args.latency, window=args.window, lead=args.lead)
            print(
                f"  threshold -> committed warning ({len(lat):,} within {args.window:.0f} s, one worker): "
                f"p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms, max {max(lat, default=0) * 1000:.0f} ms; "
                f"worker CPU {cpu:.1f} s ({cpu * 1000 / max(len(lat), 1):.2f} ms per warning)"
            )
        await drop_database(f"{args.database}_{size}")
    small, large = results[args.small][0], results[args.open][0]
    print(f"find ratio {args.open:,} / {args.small:,} open: {large / small:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
