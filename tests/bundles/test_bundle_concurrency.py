"""Two prerequisites approved at the same moment: the item waiting for both is released once,
by whichever decision commits second, and neither decision fails."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from tests.bundles.helpers import applicant, bundle_action, done, publish, submit_bundle, target
from tests.conftest import GraphQLClient
from tests.scenarios import act, complete, department_id


async def _spec(conn: asyncpg.Connection) -> dict[str, Any]:
    return {
        "name": "两证一许可",
        "leadDepartmentId": await department_id(conn, "TH-SCJG"),
        "promisedLimit": 20,
        "items": [
            {"matterCode": "GD-BL-001", "dependsOn": []},
            {"matterCode": "GZ-MATERNITY", "dependsOn": []},
            {"matterCode": "TH-SIGNBOARD", "dependsOn": ["GD-BL-001", "GZ-MATERNITY"]},
        ],
        "materials": [
            {"code": c, "name": c, "mapsTo": target("GD-BL-001", c)}
            for c in ("application", "articles", "premises")
        ]
        + [
            {
                "code": "id",
                "name": "身份证",
                "mapsTo": target("GD-BL-001", "id") + target("GZ-MATERNITY", "id"),
            },
            {"code": "birth", "name": "出生医学证明", "mapsTo": target("GZ-MATERNITY", "birth")},
            {"code": "leave", "name": "产假证明", "mapsTo": target("GZ-MATERNITY", "leave")},
            {
                "code": "signboard",
                "name": "招牌材料",
                "mapsTo": target(
                    "TH-SIGNBOARD", "application", "business-licence", "premises", "design"
                ),
            },
        ],
    }


async def test_two_prerequisites_approved_at_once_release_the_item_once(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    published = await publish(client, "TEST-BOTH", await _spec(conn))
    assert published["userErrors"] == [], published["userErrors"]
    token = await applicant(client, conn)
    codes = ["application", "articles", "premises", "id", "birth", "leave", "signboard"]
    application = done(await submit_bundle(client, token, bundle="TEST-BOTH", codes=codes))
    window = await client.officer_token("th.shipai.window")
    licence, allowance, signboard = done(
        await bundle_action(client, window, "acceptBundle", {"id": application["id"]})
    )["items"]
    assert signboard["state"] == "WAITING"
    for username, department in (
        ("th.scjg.reviewer", "TH-SCJG"),
        ("th.swj.reviewer", "TH-SWJ"),
        ("th.gafj.reviewer", "TH-GAFJ"),
        ("th.scjg.reviewer", "TH-SCJG"),
    ):
        licence = await complete(client, username, licence, department, "AGREE")
    allowance = await complete(client, "gz.ybj.reviewer", allowance, "GZ-YBJ", "AGREE")

    heads = {h: await client.officer_token(h) for h in ("th.scjg.head", "gz.ybj.head")}

    async def decide(case: dict[str, Any], head: str, number: str) -> dict[str, Any]:
        return await act(
            client,
            heads[head],
            "decideCase",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "decision": "APPROVED",
                "resultNumber": number,
            },
        )

    results = await asyncio.gather(
        decide(licence, "th.scjg.head", "91440101MA5CJQ4N59"),
        decide(allowance, "gz.ybj.head", "津2026-0002"),
    )
    assert [r["userErrors"] for r in results] == [[], []]
    released = await conn.fetchval(
        """SELECT count(*) FROM case_event e JOIN case_record c ON c.id = e.case_id
           WHERE c.number = $1 AND e.action = 'released'""",
        signboard["number"],
    )
    assert released == 1
    state = await conn.fetchval(
        "SELECT state FROM case_record WHERE number = $1", signboard["number"]
    )
    assert state == "received"
