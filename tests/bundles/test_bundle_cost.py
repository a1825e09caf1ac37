"""Filing a bundle of 4 matters costs at most 4× the SQL statements of filing one case
(README, 一件事一次办): the per-item work is one case's, the bundle's own is small."""

from __future__ import annotations

from typing import Any

import asyncpg
from tests.bundles.helpers import applicant
from tests.cases.factories import PDF
from tests.conftest import GraphQLClient

CASE = """mutation ($input: SubmitCaseInput!) {
  submitCase(input: $input) { created case { number } userErrors { code problem } } }"""
BUNDLE = """mutation ($input: SubmitBundleInput!) {
  submitBundle(input: $input) { created application { id } userErrors { code problem } } }"""
NEWBORN = ["parents-id", "delivery-record", "birth-application", "hukou", "leave"]
LICENCE = ["application", "articles", "id", "premises"]


async def _statements(
    client: GraphQLClient, token: str, query: str, base: dict[str, Any], codes: list[str]
) -> int:
    """The fewest statements over a few filings (a pooled connection's first use adds
    asyncpg's one-off type introspection)."""
    counts = []
    for run in range(4):
        variables = {
            "input": base
            | {
                "idempotencyKey": f"cost-key-{run:04d}",
                "materials": [{"materialCode": c, "file": None} for c in codes],
            }
        }
        files = {
            f"input.materials.{i}.file": (f"{c}.pdf", PDF + c.encode(), "application/pdf")
            for i, c in enumerate(codes)
        }
        import json

        response = await client.http.post(
            "/graphql",
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps({str(i): [f"variables.{p}"] for i, p in enumerate(files)}),
            },
            files={str(i): f for i, f in enumerate(files.values())},
            headers={"authorization": f"Bearer {token}"},
        )
        body = response.json()
        result = next(iter(body["data"].values()))
        assert result["userErrors"] == [] and result["created"], body
        counts.append(int(response.headers["x-sql-statements"]))
    return min(counts)


async def test_a_bundle_of_four_costs_at_most_four_single_submissions(
    client: GraphQLClient, conn: asyncpg.Connection
) -> None:
    single = await _statements(
        client,
        await applicant(client, conn),
        CASE,
        {"matterCode": "GD-BL-001", "regionCode": "440106005", "formData": {"a": 1}},
        LICENCE,
    )
    bundle = await _statements(
        client,
        client.applicant_token(
            await conn.fetchval(
                "INSERT INTO applicant (kind, name, id_number, mobile) "
                "VALUES ('person', '林小红', '11010519491231002X', '13800138009') RETURNING id::text"
            )
        ),
        BUNDLE,
        {"bundleCode": "GZ-NEWBORN", "regionCode": "440106005", "formData": {"a": 1}},
        NEWBORN,
    )
    assert bundle <= 4 * single, f"bundle of 4: {bundle} statements, one case: {single}"
    print(f"submitCase {single} statements, submitBundle(4) {bundle}")
