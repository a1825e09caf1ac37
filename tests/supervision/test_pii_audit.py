"""The personal-data access audit: every way an officer can be shown an applicant's ID number,
mobile or e-mail unmasked (case view, case list, search, worklist, subscription, material and
decision-document download, case export) leaves one record of who, when, which case, which fields and from which request; masked views
and the applicant's own reads leave none; supervisors and administrators read the log (their
region) and export it as CSV; the log cannot be changed; and when a record cannot be written,
the unmasked data is not sent."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
from typing import Any

import asyncpg
import msgspec
import pytest
import redis.asyncio as aioredis
import websockets
from tests.cases.factories import make_applicant, make_case, make_reviewed_case, submit
from tests.cases.test_decision_documents import DOCUMENT, VIEW, decide
from tests.conftest import GraphQLClient, running
from tests.events.test_subscriptions import serve, wait_ready
from tests.scenarios import act, ok
from tests.servers import free_port

from tongban import db
from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.events import relay

ID_NUMBER = "440524188001015368"
MOBILE = "13800138000"
EMAIL = "xiaoming@example.cn"

CASE = """query ($n: String!) { case(number: $n) {
  number applicant { name idNumber mobile email } } }"""
LOG = """query ($filter: PiiAccessFilter, $first: Int, $after: String) {
  piiAccessLog(filter: $filter, first: $first, after: $after) {
    edges { node { officerName officerRoles caseNumber fields channel requestId clientAddress
                   department { code } } }
    pageInfo { hasNextPage endCursor } totalCount } }"""


async def records(conn: asyncpg.Connection, number: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT o.username, a.fields, a.channel, a.request_id, a.client_address, a.at
           FROM pii_access a LEFT JOIN officer o ON o.id = a.officer_id
           WHERE a.case_number = $1 ORDER BY a.seq""",
        number,
    )
    return [dict(r) | {"fields": list(r["fields"])} for r in rows]


async def filed_case(client: GraphQLClient, conn: asyncpg.Connection) -> dict[str, Any]:
    """A case its applicant filed online at Tianhe 石牌街道 (nobody has read it yet)."""
    token = client.applicant_token(await make_applicant(conn))
    case: dict[str, Any] = ok(await submit(client, token))
    assert await records(conn, case["number"]) == []  # the applicant's own reply: no record
    return case


async def test_a_case_view_records_who_saw_which_fields_from_which_request(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    window = await client.officer_token("th.shipai.window")  # the receiving window
    response = await client.http.post(
        "/graphql",
        json={"query": CASE, "variables": {"n": case["number"]}},
        headers={"authorization": f"Bearer {window}", "x-request-id": "req-case-view-0001"},
    )
    shown = response.json()["data"]["case"]["applicant"]
    assert (shown["idNumber"], shown["mobile"], shown["email"]) == (ID_NUMBER, MOBILE, EMAIL)

    [record] = await records(conn, case["number"])
    assert record["username"] == "th.shipai.window"
    assert record["fields"] == ["email", "id_number", "mobile"]
    assert record["channel"] == "case_view"
    assert record["request_id"] == "req-case-view-0001"
    assert record["client_address"] == "127.0.0.1"
    assert record["at"] == client.clock.now()  # the platform's clock, not the database's


async def test_only_the_fields_shown_whole_are_recorded(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    reviewer = await client.officer_token("th.scjg.reviewer")  # the handling department
    query = "query ($n: String!) { case(number: $n) { applicant { name mobile } } }"
    await client.execute(query, {"n": case["number"]}, token=reviewer)
    name_only = "query ($n: String!) { case(number: $n) { number applicant { name } } }"
    await client.execute(name_only, {"n": case["number"]}, token=reviewer)

    [record] = await records(conn, case["number"])
    assert (record["username"], record["fields"]) == ("th.scjg.reviewer", ["mobile"])


async def test_masked_views_and_the_applicants_own_reads_write_nothing(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant_id = await make_applicant(conn)
    applicant = client.applicant_token(applicant_id)
    case = ok(await submit(client, applicant, codes=["application", "articles"]))
    # A supervisor oversees the case but does not work on it: masked, so nothing to record.
    supervisor = await client.officer_token("gd.supervisor")
    seen = (await client.execute(CASE, {"n": case["number"]}, token=supervisor))["case"]
    assert seen["applicant"]["idNumber"] != ID_NUMBER and "*" in seen["applicant"]["idNumber"]
    # The applicant reading their own case and record: their own data, not recorded.
    mine = (await client.execute(CASE, {"n": case["number"]}, token=applicant))["case"]
    assert mine["applicant"]["idNumber"] == ID_NUMBER
    me = await client.execute("{ viewer { applicant { idNumber mobile } } }", token=applicant)
    assert me["viewer"]["applicant"]["idNumber"] == ID_NUMBER

    assert await records(conn, case["number"]) == []
    assert await conn.fetchval("SELECT count(*) FROM pii_access") == 0


async def test_case_lists_record_one_row_per_case_as_worklist_or_search(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    window = await client.officer_token("th.shipai.window")
    listed = """query ($f: CaseFilter) { a: cases(first: 10, filter: $f) {
      edges { node { number applicant { idNumber } statedContact { mobile } } } }
      b: cases(first: 10, filter: $f) { edges { node { applicant { mobile } } } } }"""
    data = await client.execute(listed, {"f": None}, token=window)
    assert data["a"]["edges"][0]["node"]["applicant"]["idNumber"] == ID_NUMBER
    await client.execute(listed, {"f": {"applicantIdNumber": ID_NUMBER}}, token=window)

    found = await records(conn, case["number"])
    # One statement per request; the same case shown twice in one request is one record.
    assert [(r["channel"], r["fields"]) for r in found] == [
        ("worklist", ["id_number", "mobile"]),
        ("search", ["id_number", "mobile"]),
    ]
    assert found[0]["request_id"] != found[1]["request_id"]


async def test_the_task_worklist_records_the_cases_it_shows_unmasked(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_case(client, conn, accepted=True)
    before = len(await records(conn, case["number"]))  # the window's acceptCase reply
    reviewer = await client.officer_token("th.scjg.reviewer")
    query = "{ worklist(first: 20) { edges { node { case { number applicant { email } } } } } }"
    data = await client.execute(query, token=reviewer)
    shown = [e["node"]["case"] for e in data["worklist"]["edges"]]
    assert {"number": case["number"], "applicant": {"email": EMAIL}} in shown

    latest = (await records(conn, case["number"]))[before:]
    assert [(r["username"], r["channel"], r["fields"]) for r in latest] == [
        ("th.scjg.reviewer", "worklist", ["email"])
    ]


async def test_a_download_is_recorded_against_the_officer_the_link_was_issued_to(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant_id = await make_applicant(conn)
    applicant = client.applicant_token(applicant_id)
    case = ok(await submit(client, applicant, codes=["application", "articles"]))
    query = """query ($n: String!) { case(number: $n) { materials { id downloadUrl } } }"""
    reviewer = await client.officer_token("th.scjg.reviewer")
    material = (await client.execute(query, {"n": case["number"]}, token=reviewer))["case"][
        "materials"
    ][0]
    assert await records(conn, case["number"]) == []  # a link is not yet a download

    answer = await client.http.get(material["downloadUrl"], headers={"x-request-id": "dl-00000001"})
    assert answer.status_code == 200
    [record] = await records(conn, case["number"])
    assert record["username"] == "th.scjg.reviewer"
    assert (record["channel"], record["fields"]) == ("download", [f"material:{material['id']}"])
    assert record["request_id"] == "dl-00000001"

    # The link cannot be re-issued to somebody else: `by` is signed with the rest.
    other = await conn.fetchval("SELECT id::text FROM officer WHERE username = 'th.swj.reviewer'")
    by = material["downloadUrl"].split("by=")[1].split("&")[0]
    forged = await client.http.get(material["downloadUrl"].replace(by, other))
    assert forged.status_code == 403

    # The applicant downloading their own material: no record.
    mine = (await client.execute(query, {"n": case["number"]}, token=applicant))["case"][
        "materials"
    ][0]
    assert "by=" not in mine["downloadUrl"]
    assert (await client.http.get(mine["downloadUrl"])).status_code == 200
    assert len(await records(conn, case["number"])) == 1


async def test_a_decision_document_download_is_recorded(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case, _ = await make_reviewed_case(client, conn)
    decided = await decide(client, case, ("决定书.pdf", DOCUMENT, "application/pdf"))
    document_id = decided["case"]["decisionDocument"]["id"]
    before = len(await records(conn, case["number"]))
    reviewer = await client.officer_token("th.scjg.reviewer")
    seen = (await client.execute(VIEW, {"n": case["number"]}, token=reviewer))["case"]
    assert (await client.http.get(seen["decisionDocument"]["downloadUrl"])).status_code == 200

    latest = (await records(conn, case["number"]))[before:]
    assert [(r["username"], r["channel"], r["fields"]) for r in latest] == [
        ("th.scjg.reviewer", "download", [f"decision_document:{document_id}"])
    ]


async def test_a_case_export_records_the_rows_it_carries_whole(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    window = await client.officer_token("th.shipai.window")
    answer = await client.http.get(
        "/cases/export.csv",
        params={"applicantIdNumber": ID_NUMBER, "receivedFrom": "2026-03-02"},
        headers={"authorization": f"Bearer {window}", "x-request-id": "export-00000001"},
    )
    assert answer.status_code == 200
    assert "no-store" in answer.headers["cache-control"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["number"], r["applicant_id_number"], r["applicant_mobile"]) for r in rows] == [
        (case["number"], ID_NUMBER, MOBILE)
    ]
    [record] = await records(conn, case["number"])
    assert (record["username"], record["channel"]) == ("th.shipai.window", "export")
    assert record["fields"] == ["email", "id_number", "mobile"]
    assert record["request_id"] == "export-00000001"

    # A supervisor's export is masked: nothing to record. Applicants export nothing.
    supervisor = await client.officer_token("gd.supervisor")
    masked = await client.http.get(
        "/cases/export.csv", headers={"authorization": f"Bearer {supervisor}"}
    )
    [row] = list(csv.DictReader(io.StringIO(masked.content.decode("utf-8-sig"))))
    assert row["number"] == case["number"] and ID_NUMBER not in masked.text
    assert len(await records(conn, case["number"])) == 1
    applicant = client.applicant_token(await make_applicant(conn))
    refused = await client.http.get(
        "/cases/export.csv", headers={"authorization": f"Bearer {applicant}"}
    )
    assert refused.status_code == 403


@pytest.mark.slow
async def test_a_case_update_delivered_to_a_subscriber_is_recorded_per_event(
    client: GraphQLClient, conn: asyncpg.Connection, redis_url: str
) -> None:
    port = free_port()
    server = serve(client, redis_url, port, stderr=subprocess.DEVNULL)
    pool = await db.create_pool(client.settings)
    redis = aioredis.Redis.from_url(redis_url)
    try:
        await wait_ready(port)
        applicant = client.applicant_token(await make_applicant(conn))
        case = ok(await submit(client, applicant))
        await relay.drain(pool, redis)
        window = await client.officer_token("th.shipai.window")
        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
        )
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {window}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        subscription = """subscription ($n: String!) { caseUpdated(caseNumber: $n) {
          action case { applicant { idNumber } } } }"""
        payload = {"query": subscription, "variables": {"n": case["number"]}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        await asyncio.sleep(0.5)  # subscribed to the case's channel

        # The window accepts the case (its own reply is a case view): an event on the case.
        accepted = {"number": case["number"], "expectedVersion": case["version"]}
        case = ok(await act(client, window, "acceptCase", "", accepted))
        before = len(await records(conn, case["number"]))  # the acceptCase reply
        await relay.drain(pool, redis)
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        update = message["payload"]["data"]["caseUpdated"]
        assert update["case"]["applicant"]["idNumber"] == ID_NUMBER

        latest = (await records(conn, case["number"]))[before:]
        assert [(r["username"], r["channel"], r["fields"]) for r in latest] == [
            ("th.shipai.window", "subscription", ["id_number"])
        ]

        # The next event cannot be recorded: it is not delivered, the subscription ends.
        withdrawn = {
            "number": case["number"],
            "expectedVersion": case["version"],
            "reason": "不办了",
        }
        ok(await act(client, applicant, "withdrawCase", "", withdrawn))  # applicant: no record
        await conn.execute("ALTER TABLE pii_access RENAME TO pii_access_away")
        try:
            await relay.drain(pool, redis)
            withheld = json.loads(await asyncio.wait_for(ws.recv(), 10))
            done = json.loads(await asyncio.wait_for(ws.recv(), 10))
        finally:
            await conn.execute("ALTER TABLE pii_access_away RENAME TO pii_access")
        assert ID_NUMBER not in json.dumps(withheld)
        assert withheld["type"] == "next" and withheld["payload"]["data"] is None
        extensions = withheld["payload"]["errors"][0]["extensions"]
        assert (extensions["code"], extensions["problem"]) == (
            "SERVICE_UNAVAILABLE",
            "AUDIT_UNAVAILABLE",
        )
        assert done == {"id": "1", "type": "complete"}
        await ws.close()
    finally:
        await redis.aclose()
        await pool.close()
        server.terminate()
        server.wait(30)


async def test_supervisors_read_the_log_of_their_region_and_others_are_refused(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    window = await client.officer_token("th.shipai.window")
    reviewer = await client.officer_token("th.scjg.reviewer")
    for token in (window, reviewer, window):
        await client.execute(CASE, {"n": case["number"]}, token=token)
    names_of = "SELECT name FROM officer WHERE username = $1"
    window_name = await conn.fetchval(names_of, "th.shipai.window")
    reviewer_name = await conn.fetchval(names_of, "th.scjg.reviewer")
    assert window_name != reviewer_name

    for name in ("th.supervisor", "gz.supervisor", "gd.supervisor", "admin"):
        token = await client.officer_token(name)
        first = (await client.execute(LOG, {"first": 2}, token=token))["piiAccessLog"]
        assert first["totalCount"] == 3, name
        assert first["pageInfo"]["hasNextPage"]
        rest = await client.execute(
            LOG, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token=token
        )
        names = [e["node"]["officerName"] for e in first["edges"]] + [
            e["node"]["officerName"] for e in rest["piiAccessLog"]["edges"]
        ]
        assert names == [window_name, reviewer_name, window_name], name  # newest first

    # Filters: by case, officer and department.
    gd = await client.officer_token("gd.supervisor")
    reviewer_id = await conn.fetchval(
        "SELECT id::text FROM officer WHERE username = 'th.scjg.reviewer'"
    )
    by_officer = await client.execute(
        LOG, {"filter": {"principalId": reviewer_id, "caseNumber": case["number"]}}, token=gd
    )
    [node] = [e["node"] for e in by_officer["piiAccessLog"]["edges"]]
    assert node["department"]["code"] == "TH-SCJG"
    assert node["fields"] == ["email", "id_number", "mobile"]
    assert node["channel"] == "CASE_VIEW"
    department = await conn.fetchval("SELECT id::text FROM department WHERE code = 'TH-SCJG'")
    by_department = await client.execute(LOG, {"filter": {"departmentId": department}}, token=gd)
    assert by_department["piiAccessLog"]["totalCount"] == 1
    later = await client.execute(LOG, {"filter": {"from": "2026-03-03"}}, token=gd)
    assert later["piiAccessLog"]["totalCount"] == 0

    # Another city's supervisor sees none of it; a reviewer may not read the log at all.
    shenzhen = await client.officer_token("sz.supervisor")
    assert (await client.execute(LOG, token=shenzhen))["piiAccessLog"]["totalCount"] == 0
    refused = (await client.post(LOG, token=reviewer)).json()
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert refused["errors"][0]["extensions"]["problem"] == "PII_AUDIT_ROLES_ONLY"


async def test_the_log_exports_as_csv_within_the_callers_region(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    reviewer = await client.officer_token("th.scjg.reviewer")
    await client.execute(CASE, {"n": case["number"]}, token=reviewer)

    supervisor = await client.officer_token("gz.supervisor")
    answer = await client.http.get(
        "/audit/pii-access.csv",
        params={"caseNumber": case["number"], "from": "2026-03-02", "to": "2026-03-02"},
        headers={"authorization": f"Bearer {supervisor}"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "no-store" in answer.headers["cache-control"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["case_number"], r["fields"], r["channel"]) for r in rows] == [
        (case["number"], "email id_number mobile", "case_view")
    ]
    assert rows[0]["officer_name"] == await conn.fetchval(
        "SELECT name FROM officer WHERE username = 'th.scjg.reviewer'"
    )

    shenzhen = await client.officer_token("sz.supervisor")
    other = await client.http.get(
        "/audit/pii-access.csv", headers={"authorization": f"Bearer {shenzhen}"}
    )
    assert len(list(csv.DictReader(io.StringIO(other.content.decode("utf-8-sig"))))) == 0
    refused = await client.http.get(
        "/audit/pii-access.csv", headers={"authorization": f"Bearer {reviewer}"}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["problem"] == "PII_AUDIT_ROLES_ONLY"
    assert (await client.http.get("/audit/pii-access.csv")).status_code == 401


async def test_the_log_is_append_only(client: GraphQLClient, conn: asyncpg.Connection) -> None:
    case = await filed_case(client, conn)
    reviewer = await client.officer_token("th.scjg.reviewer")
    await client.execute(CASE, {"n": case["number"]}, token=reviewer)
    for statement in (
        "UPDATE pii_access SET officer_name = 'someone else'",
        "DELETE FROM pii_access",
        "TRUNCATE pii_access",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute(statement)
    assert len(await records(conn, case["number"])) == 1


async def test_unmasked_data_is_withheld_when_its_access_cannot_be_recorded(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    case = await filed_case(client, conn)
    reviewer = await client.officer_token("th.scjg.reviewer")
    await conn.execute("ALTER TABLE pii_access RENAME TO pii_access_away")
    try:
        response = await client.post(CASE, {"n": case["number"]}, token=reviewer)
    finally:
        await conn.execute("ALTER TABLE pii_access_away RENAME TO pii_access")
    assert response.status_code == 503
    body = response.json()
    assert body["data"] is None
    assert ID_NUMBER not in response.text and MOBILE not in response.text
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["errors"][0]["extensions"]["problem"] == "AUDIT_UNAVAILABLE"
    # A masked view needs no record, so it is answered meanwhile.
    await conn.execute("ALTER TABLE pii_access RENAME TO pii_access_away")
    try:
        supervisor = await client.officer_token("gd.supervisor")
        masked = await client.post(CASE, {"n": case["number"]}, token=supervisor)
    finally:
        await conn.execute("ALTER TABLE pii_access_away RENAME TO pii_access")
    assert masked.status_code == 200 and masked.json()["data"]["case"]["number"]


async def test_exports_count_against_the_callers_request_limit(
    settings: Settings, conn: asyncpg.Connection, clock: MovableClock
) -> None:
    limited = msgspec.structs.replace(settings, rate_limit_signed_in=2)
    async with running(create_app(limited, clock=clock)) as http:
        client = GraphQLClient(http, limited, conn, clock)
        supervisor = await client.officer_token("gd.supervisor")
        headers = {"authorization": f"Bearer {supervisor}"}
        statuses = [
            (await http.get(path, headers=headers)).status_code
            for path in ("/audit/pii-access.csv", "/cases/export.csv", "/cases/export.csv")
        ]
    assert statuses == [200, 200, 429]
