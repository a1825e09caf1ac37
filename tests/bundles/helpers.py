"""Shared steps of the bundle tests: publish a bundle, file one application, act on it."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.cases.factories import PDF, make_applicant
from tests.conftest import GraphQLClient
from tests.scenarios import CASE_FIELDS, department_id

ERRORS = "userErrors { code problem field message details }"
VIEW = f"""id state receivedOn acceptedOn dueOn
  clock {{ dueOn remainingDays overdue colour }}
  bundle {{ code version name promisedLimit }}
  items {{ {CASE_FIELDS} }}"""
APPLICATION = f"application {{ {VIEW} }} created {ERRORS}"

PUBLISH = f"""mutation ($code: String!, $spec: BundleSpecInput!) {{
  publishBundle(code: $code, spec: $spec) {{
    bundle {{ code version name items {{ matterCode dependsOn }}
              materials {{ code name mapsTo {{ matterCode materialCode }} }} }} {ERRORS} }} }}"""

SUBMIT = f"""mutation ($input: SubmitBundleInput!) {{ submitBundle(input: $input) {{ {APPLICATION} }} }}"""


def target(matter: str, *codes: str) -> list[dict[str, str]]:
    return [{"matterCode": matter, "materialCode": c} for c in codes]


async def start_business_spec(conn: asyncpg.Connection, **overrides: Any) -> dict[str, Any]:
    """A test bundle: a Tianhe business licence, then a maternity allowance that waits for it;
    the ID card is one material serving both."""
    return {
        "name": "测试一件事",
        "description": "营业执照与生育津贴",
        "leadDepartmentId": await department_id(conn, "TH-SCJG"),
        "promisedLimit": 15,
        "items": [
            {"matterCode": "GD-BL-001", "dependsOn": []},
            {"matterCode": "GZ-MATERNITY", "dependsOn": ["GD-BL-001"]},
        ],
        "materials": [
            {
                "code": "id",
                "name": "身份证",
                "mapsTo": target("GD-BL-001", "id") + target("GZ-MATERNITY", "id"),
            },
            {
                "code": "application",
                "name": "登记申请书",
                "mapsTo": target("GD-BL-001", "application"),
            },
            {"code": "articles", "name": "公司章程", "mapsTo": target("GD-BL-001", "articles")},
            {"code": "premises", "name": "住所使用证明", "mapsTo": target("GD-BL-001", "premises")},
            {"code": "birth", "name": "出生医学证明", "mapsTo": target("GZ-MATERNITY", "birth")},
            {"code": "leave", "name": "产假证明", "mapsTo": target("GZ-MATERNITY", "leave")},
        ],
    } | overrides


async def publish(
    client: GraphQLClient, code: str, spec: dict[str, Any], admin: str = "admin"
) -> dict[str, Any]:
    token = await client.officer_token(admin)
    data = await client.execute(PUBLISH, {"code": code, "spec": spec}, token=token)
    result: dict[str, Any] = data["publishBundle"]
    return result


async def submit_bundle(
    client: GraphQLClient,
    token: str,
    *,
    bundle: str,
    codes: list[str],
    region: str = "440106005",
    key: str = "bundle-key-0001",
    form: dict[str, Any] | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {
            "bundleCode": bundle,
            "regionCode": region,
            "idempotencyKey": key,
            "formData": form or {"companyName": "广州通办餐饮有限公司"},
            "materials": [{"materialCode": c, "file": None} for c in codes],
        }
    }
    files = {
        f"input.materials.{i}.file": (f"{c}.pdf", PDF + c.encode(), "application/pdf")
        for i, c in enumerate(codes)
    }
    data = await client.upload(SUBMIT, variables, files, token=token)
    result: dict[str, Any] = data["submitBundle"]
    return result


async def bundle_action(
    client: GraphQLClient, token: str, mutation: str, variables: dict[str, Any]
) -> dict[str, Any]:
    types = {"id": "ID!", "materialCodes": "[String!]!", "note": "String!", "reason": "String"}
    decl = ", ".join(f"${k}: {types[k]}" for k in variables)
    call = ", ".join(f"{k}: ${k}" for k in variables)
    data = await client.execute(
        f"mutation ({decl}) {{ {mutation}({call}) {{ {APPLICATION} }} }}", variables, token=token
    )
    result: dict[str, Any] = data[mutation]
    return result


async def applicant(client: GraphQLClient, conn: asyncpg.Connection) -> str:
    return client.applicant_token(await make_applicant(conn))


def done(result: dict[str, Any]) -> dict[str, Any]:
    assert result["userErrors"] == [], result["userErrors"]
    application: dict[str, Any] = result["application"]
    return application
