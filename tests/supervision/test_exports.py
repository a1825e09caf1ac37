"""Exports (导出): an officer's case list and the supervision figure tables, downloaded as CSV
and XLSX and opened here as a user would (csv, openpyxl) — headers, rows, masking for a masked
viewer, nothing from another region, the personal-data access records of an unmasked export —
and a large export as a background job run by a real `tongban worker system` process, watched
through exportJob and downloaded through its link."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import time
from typing import Any

import asyncpg
import msgspec
import openpyxl
import pytest
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from tests.cases.factories import make_applicant
from tests.conftest import GraphQLClient, running
from tests.scenarios import at
from tests.supervision.test_pii_audit import EMAIL, ID_NUMBER, MOBILE, filed_case, records
from tests.supervision.test_supervision import decide_on, withdrawal

from tongban import db
from tongban.app import create_app
from tongban.exports import tasks as export_tasks

CASE_HEADER = [
    "办件编号",
    "办件状态",
    "收件日期",
    "受理日期",
    "申请人",
    "证件号码",
    "统一社会信用代码",
    "手机号码",
    "电子邮箱",
]


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "CSV starts with a BOM, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


async def get(client: GraphQLClient, path: str, username: str | None, **params: str) -> Any:
    headers = {"x-request-id": "export-test-0001"}
    if username is not None:
        headers["authorization"] = f"Bearer {await client.officer_token(username)}"
    return await client.http.get(path, params=params, headers=headers)


async def test_a_case_list_exports_as_csv_and_xlsx_within_visibility_masked_and_recorded(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    number = case["number"]

    answer = await get(client, "/exports/cases.csv", "th.shipai.window", receivedFrom="2026-03-02")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="cases.csv"' in answer.headers["content-disposition"]
    header, *rows = read_csv(answer.content)
    assert header == CASE_HEADER
    assert [(r[0], r[4], r[5], r[7], r[8]) for r in rows] == [
        (number, "陈小明", ID_NUMBER, MOBILE, EMAIL)
    ]
    [record] = await records(conn, number)
    assert (record["username"], record["channel"], record["request_id"]) == (
        "th.shipai.window",
        "export",
        "export-test-0001",
    )
    assert record["fields"] == ["email", "id_number", "mobile"]

    answer = await get(client, "/exports/cases.xlsx", "th.shipai.window")
    assert answer.status_code == 200
    assert "spreadsheetml" in answer.headers["content-type"]
    header, *rows = read_xlsx(answer.content)
    assert header == CASE_HEADER
    # The ID number stays text (never 4.4e17), the days are days.
    assert [(r[0], r[5], r[7], r[2].date().isoformat()) for r in rows] == [
        (number, ID_NUMBER, MOBILE, "2026-03-02")
    ]
    assert len(await records(conn, number)) == 2

    # The province's supervisor sees the case masked, and so exports it masked: no record.
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        masked = await get(client, f"/exports/cases.{fmt}", "gd.supervisor")
        [row] = read(masked.content)[1:]
        assert row[0] == number
        assert ID_NUMBER not in str(row) and MOBILE not in str(row) and EMAIL not in str(row)
        assert row[5].startswith("4405") and "*" in row[5]
    assert len(await records(conn, number)) == 2

    # Shenzhen's officers cannot see a Tianhe case: the export holds the header only.
    elsewhere = await get(client, "/exports/cases.xlsx", "sz.scjg.reviewer")
    assert read_xlsx(elsewhere.content) == [CASE_HEADER]
    assert read_csv((await get(client, "/exports/cases.csv", "sz.supervisor")).content) == [
        CASE_HEADER
    ]

    # Applicants export nothing; nobody without a token.
    token = client.applicant_token(await make_applicant(conn))
    refused = await client.http.get(
        "/exports/cases.csv", headers={"authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["problem"] == "EXPORT_OFFICERS_ONLY"
    assert (await get(client, "/exports/cases.xlsx", None)).status_code == 401
    assert (await get(client, "/exports/cases.pdf", "th.shipai.window")).status_code == 404


async def test_a_case_list_beyond_the_synchronous_limit_points_to_a_background_export(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    small = msgspec.structs.replace(client.settings, export_sync_max_rows=0)
    async with running(create_app(small, clock=client.clock)) as http:
        window = await client.officer_token("th.shipai.window")
        answer = await http.get("/exports/cases.csv", headers={"authorization": f"Bearer {window}"})
    assert answer.status_code == 409
    error = answer.json()["errors"][0]
    assert error["extensions"]["problem"] == "EXPORT_TOO_LARGE"
    assert "startExport" in error["message"]
    assert await records(conn, case["number"]) == []  # nothing was sent, nothing recorded


async def decided_withdrawals(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    """Guangzhou housing fund: one decided on time, one a day late, one still open."""
    on_time = await withdrawal(client, conn, "exp-case-a")
    late = await withdrawal(client, conn, "exp-case-b")
    await withdrawal(client, conn, "exp-case-c")
    await decide_on(client, on_time, "2026-03-04")
    await decide_on(client, late, "2026-03-06")
    client.clock.set(at("2026-04-01", "10:00"))


MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def test_figure_tables_export_as_the_figure_queries_count_them(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    await decided_withdrawals(client, conn)

    answer = await get(
        client, "/exports/figures/supervision.xlsx", "gz.supervisor", regionCode="440100", **MARCH
    )
    assert answer.status_code == 200
    header, *rows = read_xlsx(answer.content)
    assert header[:2] == ["分组编码", "分组名称"] and "按时办结率" in header
    gjj = await conn.fetchval("SELECT id::text FROM department WHERE code = 'GZ-GJJ'")
    [row] = [r for r in rows if r[0] == gjj]
    figures = dict(zip(header, row, strict=True))
    assert (
        figures["在办件数"],
        figures["办结件数"],
        figures["按时办结率"],
        figures["超期件数"],
    ) == (
        1,
        2,
        0.5,
        2,
    )

    by_region = await get(
        client,
        "/exports/figures/supervision.csv",
        "gz.supervisor",
        regionCode="440100",
        groupBy="REGION",
        **MARCH,
    )
    header, *rows = read_csv(by_region.content)
    assert [(r[0], r[header.index("办结件数")]) for r in rows] == [("440100", "2")]

    ranking = await get(
        client,
        "/exports/figures/department-ranking.csv",
        "gz.supervisor",
        by="ON_TIME_RATE",
        **MARCH,
    )
    header, first, *_ = read_csv(ranking.content)
    assert header[:3] == ["名次", "部门编码", "部门名称"]
    assert (first[0], first[1], first[header.index("按时办结率")]) == ("1", "GZ-GJJ", "0.5")

    matters = read_xlsx(
        (
            await get(client, "/exports/figures/matter-ranking.xlsx", "gz.supervisor", **MARCH)
        ).content
    )
    assert matters[1][:4] == [1, "GZ-HPF-WITHDRAW", 2, 1]

    ratings = read_csv(
        (await get(client, "/exports/figures/ratings.csv", "gz.supervisor", **MARCH)).content
    )
    assert ratings[0][3:5] == ["评价数", "非常满意"]

    # The figure queries' own refusals: roles, and regions outside one's own.
    refused = await get(client, "/exports/figures/ratings.csv", "gz.gjj.reviewer", **MARCH)
    assert refused.status_code == 403
    outside = await get(
        client, "/exports/figures/ratings.xlsx", "sz.supervisor", regionCode="440100", **MARCH
    )
    assert outside.status_code == 403
    assert outside.json()["errors"][0]["extensions"]["problem"] == "OUTSIDE_SUPERVISED_REGION"
    missing = await get(client, "/exports/figures/matter-ranking.csv", "gz.supervisor")
    assert missing.status_code == 400
    unknown = await get(client, "/exports/figures/everything.csv", "gz.supervisor", **MARCH)
    assert unknown.status_code == 404


START = """mutation ($kind: ExportKind!, $format: ExportFormat!, $filter: ExportFilter) {
  startExport(kind: $kind, format: $format, filter: $filter) {
    exportJob { id state kind format }
    userErrors { code problem message } } }"""
JOB = """query ($id: ID!) { exportJob(id: $id) {
  id state rowsDone rowsTotal error downloadUrl finishedAt } }"""


def start_worker(client: GraphQLClient, redis_url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": client.settings.database_url,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_BLOB_DIR": client.settings.blob_dir,
        "TONGBAN_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "worker", "system"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_for(client: GraphQLClient, token: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = (await client.execute(JOB, {"id": job_id}, token=token))["exportJob"]
        if job["state"] in ("DONE", "FAILED"):
            return job
        await asyncio.sleep(0.2)
    raise AssertionError(f"export {job_id} not finished: {job}")


@pytest.mark.slow
async def test_a_background_export_runs_on_a_worker_and_downloads_through_its_link(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    case = await filed_case(client, conn)
    window = await client.officer_token("th.shipai.window")
    started = await client.http.post(
        "/graphql",
        json={
            "query": START,
            "variables": {
                "kind": "CASES",
                "format": "XLSX",
                "filter": {"cases": {"receivedOn": {"from": "2026-03-01"}}},
            },
        },
        headers={"authorization": f"Bearer {window}", "x-request-id": "export-job-000001"},
    )
    payload = started.json()["data"]["startExport"]
    assert payload["userErrors"] == []
    job_id = payload["exportJob"]["id"]
    assert payload["exportJob"]["state"] == "QUEUED"
    assert await records(conn, case["number"]) == []  # nothing read yet

    worker = start_worker(client, redis_url)
    try:
        job = await wait_for(client, window, job_id)
    finally:
        worker.terminate()
        worker.wait(30)
    assert (job["state"], job["rowsDone"], job["rowsTotal"], job["error"]) == ("DONE", 1, 1, None)

    # The link needs no token; it carries its permission, and expires.
    downloaded = await client.http.get(job["downloadUrl"])
    assert downloaded.status_code == 200
    assert "no-store" in downloaded.headers["cache-control"]
    header, row = read_xlsx(downloaded.content)
    assert header == CASE_HEADER
    assert (row[0], row[5], row[7]) == (case["number"], ID_NUMBER, MOBILE)
    [record] = await records(conn, case["number"])
    assert (record["username"], record["channel"], record["request_id"]) == (
        "th.shipai.window",
        "export",
        "export-job-000001",
    )
    forged = job["downloadUrl"].replace("signature=", "signature=0")
    assert (await client.http.get(forged)).status_code == 403

    # Only the requester sees the job with its link; an administrator sees it without one;
    # anyone else not at all.
    other = await client.officer_token("th.scjg.reviewer")
    assert (await client.execute(JOB, {"id": job_id}, token=other))["exportJob"] is None
    admin = await client.officer_token("admin")
    seen = (await client.execute(JOB, {"id": job_id}, token=admin))["exportJob"]
    assert (seen["state"], seen["downloadUrl"]) == ("DONE", None)

    # Refusals come now, not from the worker: an applicant exports no case list, and a
    # figure export needs its period.
    applicant = client.applicant_token(await make_applicant(conn))
    refused = (await client.execute(START, {"kind": "CASES", "format": "CSV"}, token=applicant))[
        "startExport"
    ]
    assert [e["problem"] for e in refused["userErrors"]] == ["EXPORT_OFFICERS_ONLY"]
    supervisor = await client.officer_token("gz.supervisor")
    missing = (await client.execute(START, {"kind": "RATINGS", "format": "CSV"}, token=supervisor))[
        "startExport"
    ]
    assert [e["problem"] for e in missing["userErrors"]] == ["EXPORT_PERIOD_MISSING"]
    assert await conn.fetchval("SELECT count(*) FROM export_job") == 1


async def test_an_export_cut_short_runs_again_from_its_first_row_and_only_once_done(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    case = await filed_case(client, conn)
    window = await client.officer_token("th.shipai.window")
    started = (await client.execute(START, {"kind": "CASES", "format": "CSV"}, token=window))[
        "startExport"
    ]
    job_id = started["exportJob"]["id"]
    # As a worker killed half-way leaves it: running, some rows counted, no file.
    await conn.execute(
        "UPDATE export_job SET state = 'running', rows_done = 1, rows_total = 7 WHERE id = $1",
        job_id,
    )
    pool = await db.create_pool(client.settings)
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(redis_url))
    ctx: dict[str, Any] = {"settings": client.settings, "pool": pool, "redis": redis}
    try:
        # Lost arq jobs: the sweep enqueues what is still queued, not what runs or is done.
        await conn.execute("UPDATE export_job SET state = 'queued' WHERE id = $1", job_id)
        assert await export_tasks.sweep(ctx) == 1
        assert await redis.exists(f"arq:job:export:{job_id}")
        await conn.execute("UPDATE export_job SET state = 'running' WHERE id = $1", job_id)

        assert await export_tasks.run(ctx, job_id) == "done"
        done = await conn.fetchrow("SELECT * FROM export_job WHERE id = $1", job_id)
        assert (done["rows_done"], done["rows_total"]) == (1, 1)
        # Delivered again (at least once): nothing happens, nothing is read again.
        assert await export_tasks.run(ctx, job_id) == "done"
        again = await conn.fetchrow("SELECT * FROM export_job WHERE id = $1", job_id)
        assert (again["blob_key"], again["finished_at"]) == (done["blob_key"], done["finished_at"])
        assert len(await records(conn, case["number"])) == 1
        assert await export_tasks.sweep(ctx) == 0

        # A refusal at run time (here: a region the requester does not supervise) fails the
        # job for good, with the reason; no retry.
        supervisor = await client.officer_token("sz.supervisor")
        refused_id = (
            await client.execute(
                START,
                {"kind": "MATTER_RANKING", "format": "XLSX", "filter": {"figures": MARCH}},
                token=supervisor,
            )
        )["startExport"]["exportJob"]["id"]
        await conn.execute(
            """UPDATE export_job SET filter = jsonb_set(filter, '{region_code}', '"440100"')
               WHERE id = $1""",
            refused_id,
        )
        assert await export_tasks.run(ctx, refused_id) == "failed"
        job = (await client.execute(JOB, {"id": refused_id}, token=supervisor))["exportJob"]
        assert job["state"] == "FAILED" and "region" in job["error"]
        assert job["downloadUrl"] is None

        # An officer disabled after asking: the export is not written for them.
        later = (await client.execute(START, {"kind": "CASES", "format": "XLSX"}, token=window))[
            "startExport"
        ]["exportJob"]["id"]
        await conn.execute("UPDATE officer SET active = false WHERE username = 'th.shipai.window'")
        assert await export_tasks.run(ctx, later) == "failed"
        assert len(await records(conn, case["number"])) == 1
    finally:
        await pool.close()
        await redis.aclose()


async def test_exports_count_against_the_callers_rate_limit(client: GraphQLClient) -> None:
    limited = msgspec.structs.replace(client.settings, rate_limit_signed_in=3)
    supervisor = {"authorization": f"Bearer {await client.officer_token('gz.supervisor')}"}
    async with running(create_app(limited, clock=client.clock)) as http:
        answers = [
            await http.get("/exports/figures/matter-ranking.xlsx", params=MARCH, headers=supervisor)
            for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["retry-after"]) > 0
