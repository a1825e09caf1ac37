"""Steps every scenario test shares: act on a case through the GraphQL API and expect success,
give a department's opinion, and read the simulated clock in local (China Standard) time.

Tests drive time with the app's ``MovableClock`` (the ``clock`` fixture, ``client.clock``): it
starts at ``START`` and moves only when a test sets it; jobs take the instant as ``now=``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import asyncpg

if TYPE_CHECKING:
    from tests.conftest import GraphQLClient

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, 09:30 in Guangzhou: a working day, far from today's real date, so a
# timestamp taken from the system or the database clock instead of the simulated one shows.
START = datetime(2026, 3, 2, 9, 30, tzinfo=TZ)


def at(day: str, hhmm: str = "00:00:01") -> datetime:
    """An instant of local time (by default just after midnight, when day thresholds pass)."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=TZ)


CASE_FIELDS = """
  number state version stateCode receivedOn acceptedOn currentStage handlingRegionCode
  receivingRegionCode decision resultNumber rating
  applicant { name idNumber mobile }
  tasks { id kind stageIndex stageName round state opinion department { code } }
  materials { materialCode name size contentType sha256 }
"""
PAYLOAD = f"case {{ {CASE_FIELDS} }} userErrors {{ code problem field message details }}"

# GraphQL types of the arguments case mutations take, by name.
_ARGUMENT_TYPES = {
    "number": "String!",
    "expectedVersion": "Int!",
    "materialCodes": "[String!]!",
    "note": "String!",
    "taskId": "ID!",
    "opinion": "Opinion!",
    "comment": "String!",
    "toStage": "Int!",
    "reason": "String",
    "departmentId": "ID!",
    "decision": "DecisionKind!",
    "resultNumber": "String",
    "rating": "Int!",
    "competentAgency": "String",
    "delivery": "DeliveryInput!",
    "deferredMaterialCodes": "[String!]",
    "undertakingSigned": "Boolean!",
}


def ok(result: dict[str, Any]) -> dict[str, Any]:
    assert result["userErrors"] == [], result["userErrors"]
    case: dict[str, Any] = result["case"]
    return case


async def act(
    client: GraphQLClient, token: str, mutation: str, args: str, variables: dict[str, Any]
) -> dict[str, Any]:
    decl = ", ".join(f"${k}: {_ARGUMENT_TYPES[k]}" for k in variables)
    call = ", ".join(f"{k}: ${k}" for k in variables)
    data = await client.execute(
        f"mutation ({decl}) {{ {mutation}({call}) {{ {PAYLOAD} }} }}", variables, token=token
    )
    result: dict[str, Any] = data[mutation]
    return result


async def department_id(conn: asyncpg.Connection, code: str) -> str:
    value: str = await conn.fetchval("SELECT id::text FROM department WHERE code = $1", code)
    return value


async def complete(
    client: GraphQLClient,
    username: str,
    case: dict[str, Any],
    department: str,
    opinion: str,
    comment: str = "",
) -> dict[str, Any]:
    token = await client.officer_token(username)
    task = next(
        t for t in case["tasks"] if t["department"]["code"] == department and t["state"] == "OPEN"
    )
    return ok(
        await act(
            client,
            token,
            "completeTask",
            "",
            {
                "number": case["number"],
                "expectedVersion": case["version"],
                "taskId": task["id"],
                "opinion": opinion,
                "comment": comment,
            },
        )
    )
