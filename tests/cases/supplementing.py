"""Steps of the supplement tests: ask for materials, bring some of them, read the notice."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.scenarios import PAYLOAD, act, ok

SUPPLEMENTS = """query ($n: String!) { case(number: $n) {
  state version supplementDueOn
  supplements { phase requestedOn periodDays dueOn fulfilledOn
                materials { materialCode name arrivedOn } }
  deadlines { kind state dueOn } } }"""
BRING = f"""mutation ($n: String!, $v: Int!, $m: [MaterialUpload!]!) {{
  supplementCase(number: $n, expectedVersion: $v, materials: $m) {{ {PAYLOAD} }} }}"""


async def request(
    client: GraphQLClient, token: str, case: dict[str, Any], codes: list[str], note: str = ""
) -> dict[str, Any]:
    return ok(
        await act(
            client,
            token,
            "requestSupplement",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "materialCodes": codes,
                "note": note,
            },
        )
    )


async def bring(
    client: GraphQLClient, token: str, case: dict[str, Any], codes: list[str]
) -> dict[str, Any]:
    """The supplementCase payload after uploading one file per material code."""
    data = await client.upload(
        BRING,
        {
            "n": case["number"],
            "v": case["version"],
            "m": [{"materialCode": c, "file": None} for c in codes],
        },
        {
            f"m.{i}.file": (f"{c}-new.pdf", b"%PDF-1.4 supplement " + c.encode(), "application/pdf")
            for i, c in enumerate(codes)
        },
        token=token,
    )
    result: dict[str, Any] = data["supplementCase"]
    return result


async def supplements(client: GraphQLClient, token: str, number: str) -> dict[str, Any]:
    data = await client.execute(SUPPLEMENTS, {"n": number}, token=token)
    found: dict[str, Any] = data["case"]
    return found
