"""The business-licence scenario, end to end through HTTP GraphQL on real PostgreSQL."""

import asyncpg
from tests.cases.factories import files_for, make_applicant, submit
from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act, complete, department_id, ok


async def test_business_licence_from_street_window_to_rating(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    applicant_id = await make_applicant(conn)
    applicant = client.applicant_token(applicant_id, name="陈小明")

    # Filed online at the Shipai street, without two of the required materials.
    submitted = await submit(client, applicant, codes=["application", "articles"])
    assert submitted["created"] is True
    case = ok(submitted)
    number = case["number"]
    assert case["state"] == "RECEIVED" and case["stateCode"] == "1"
    assert number.startswith("440106") and len(number) == 21
    assert case["applicant"]["idNumber"] == "440524188001015368", (
        "the applicant sees their own data"
    )

    # One notice listing both missing materials.
    window = await client.officer_token("th.shipai.window")
    case = ok(
        await act(
            client,
            window,
            "requestSupplement",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "materialCodes": ["id", "premises"],
                "note": "请补充身份证明和住所使用证明",
            },
        )
    )
    assert case["state"] == "SUPPLEMENT_REQUESTED"

    supplemented = await client.upload(
        f"""mutation ($number: String!, $v: Int!, $m: [MaterialUpload!]!) {{
            supplementCase(number: $number, expectedVersion: $v, materials: $m) {{ {PAYLOAD} }} }}""",
        {
            "number": number,
            "v": case["version"],
            "m": [{"materialCode": "id", "file": None}, {"materialCode": "premises", "file": None}],
        },
        {
            "m.0.file": ("id.pdf", b"%PDF-1.4 id", "application/pdf"),
            "m.1.file": ("premises.pdf", b"%PDF-1.4 premises", "application/pdf"),
        },
        token=applicant,
    )
    case = ok(supplemented["supplementCase"])
    assert case["state"] == "RECEIVED"
    assert {m["materialCode"] for m in case["materials"]} == {
        "application",
        "articles",
        "id",
        "premises",
    }

    case = ok(
        await act(
            client, window, "acceptCase", "", {"number": number, "expectedVersion": case["version"]}
        )
    )
    assert case["state"] == "ACCEPTED" and case["acceptedOn"] is not None
    open_tasks = sorted(t["department"]["code"] for t in case["tasks"] if t["state"] == "OPEN")
    assert open_tasks == ["TH-GAFJ", "TH-SCJG", "TH-SWJ"], "the parallel stage opens all at once"

    # Three departments in parallel; public security disagrees.
    case = await complete(client, "th.scjg.reviewer", case, "TH-SCJG", "AGREE")
    assert case["state"] == "UNDER_REVIEW"
    case = await complete(client, "th.swj.reviewer", case, "TH-SWJ", "AGREE")
    case = await complete(
        client, "th.gafj.reviewer", case, "TH-GAFJ", "DISAGREE", "经营场所存在治安隐患，需整改"
    )
    assert case["currentStage"] == 1

    head = await client.officer_token("th.scjg.head")
    case = ok(
        await act(
            client,
            head,
            "sendBack",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "toStage": 0,
                "reason": "公安意见需整改后复核",
            },
        )
    )
    round_one = [t for t in case["tasks"] if t["round"] == 1]
    assert sorted(t["department"]["code"] for t in round_one) == ["TH-GAFJ", "TH-SCJG", "TH-SWJ"]
    assert all(
        t["state"] == "CANCELLED" for t in case["tasks"] if t["round"] == 0 and t["stageIndex"] == 1
    )

    case = await complete(client, "th.scjg.reviewer", case, "TH-SCJG", "AGREE")
    case = await complete(client, "th.swj.reviewer", case, "TH-SWJ", "AGREE")
    case = await complete(client, "th.gafj.reviewer", case, "TH-GAFJ", "AGREE", "已整改")
    case = await complete(client, "th.scjg.reviewer", case, "TH-SCJG", "AGREE", "")
    assert case["currentStage"] is None, "every stage has given its opinions"

    # Handed up to the city for the decision: same number, same record.
    city = await department_id(conn, "GZ-SCJG")
    case = ok(
        await act(
            client,
            head,
            "handUp",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "departmentId": city,
                "reason": "涉及市级审批权限",
            },
        )
    )
    assert case["handlingRegionCode"] == "440100"
    assert case["receivingRegionCode"] == "440106005"

    city_head = await client.officer_token("gz.scjg.head")
    case = ok(
        await act(
            client,
            city_head,
            "decideCase",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": "91440106MA5XXXXX1X",
                "reason": None,
            },
        )
    )
    assert case["state"] == "APPROVED" and case["resultNumber"] == "91440106MA5XXXXX1X"
    case = ok(
        await act(
            client,
            city_head,
            "deliverCase",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "delivery": {"method": "WINDOW", "recipientName": "陈小明"},
            },
        )
    )
    assert case["state"] == "DELIVERED"

    case = ok(
        await act(
            client,
            applicant,
            "rateCase",
            "",
            {
                "number": number,
                "expectedVersion": case["version"],
                "rating": 5,
                "comment": "等太久了",
            },
        )
    )
    follow_up = [t for t in case["tasks"] if t["kind"] == "FOLLOW_UP"]
    assert [(t["department"]["code"], t["state"]) for t in follow_up] == [("GZ-SCJG", "OPEN")]

    history = (
        await client.execute(
            """query ($n: String!) { case(number: $n) { history { action actorName actorRoles reason caseVersion } } }""",
            {"n": number},
            token=city_head,
        )
    )["case"]["history"]
    assert [e["action"] for e in history] == [
        "SUBMITTED",
        "SUPPLEMENT_REQUESTED",
        "SUPPLEMENTED",
        "ACCEPTED",
        "OPINION_GIVEN",
        "OPINION_GIVEN",
        "OPINION_GIVEN",
        "SENT_BACK",
        "OPINION_GIVEN",
        "OPINION_GIVEN",
        "OPINION_GIVEN",
        "OPINION_GIVEN",
        "HANDED_UP",
        "DECIDED",
        "LICENCE_ISSUED",
        "DELIVERED",
        "RATED",
    ]
    assert [e["caseVersion"] for e in history] == list(range(2, 2 + len(history)))
    assert history[0]["actorName"] == "陈小明"
    assert history[1]["actorName"] == "石牌街道便民服务中心窗口" and history[1]["actorRoles"] == [
        "INTAKE",
        "REVIEWER",
    ]
    assert history[6]["reason"] == "经营场所存在治安隐患，需整改"
    assert history[7]["reason"] == "公安意见需整改后复核"
    assert history[12]["reason"] == "涉及市级审批权限"
    outbox = await conn.fetchval("SELECT count(*) FROM outbox")
    assert outbox == len(history), "every event has its outbox row"
    _ = files_for
