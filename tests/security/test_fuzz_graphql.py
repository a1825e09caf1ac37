"""Fuzzing the GraphQL API with schemathesis's GraphQL mode against a real `tongban serve`:
every operation of the contract (graphql/schema.graphql), generated arguments and selections,
sent anonymously, as an applicant and as a province admin. No answer may be a server error, and
every error must carry a code a front end can switch on.

CI runs a small budget; set TONGBAN_TEST_FUZZ_EXAMPLES for a longer run (docs/security.md)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from tests.conftest import GraphQLClient
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("TONGBAN_TEST_FUZZ_EXAMPLES", "8"))
SECRET = "fuzz-test-jwt-secret-0123456789abcdefgh"
pytestmark = pytest.mark.slow


async def test_generated_operations_never_get_a_server_error_or_an_uncoded_error(
    client: GraphQLClient, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": client.settings.database_url,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_HTTP_PORT": str(port),
        "TONGBAN_JWT_SECRET": SECRET,
        "TONGBAN_BLOB_DIR": str(tmp_path / "blobs"),
        "TONGBAN_LOG_LEVEL": "WARNING",
        "TONGBAN_PROGRESS_RATE_PER_MINUTE": "100000",
        "TONGBAN_PROGRESS_RATE_PER_CASE_HOUR": "100000",
        # The fuzzer looks for server errors, not for the limiter (tested on its own).
        "TONGBAN_RATE_LIMIT_ANONYMOUS": "0",
        "TONGBAN_RATE_LIMIT_SIGNED_IN": "0",
        "TONGBAN_RATE_LIMIT_SUBMISSIONS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "api.log").open("wb"),
    )
    signed = msgspec_replace_secret(client)
    tokens = [
        None,
        signed.applicant_token("00000000-0000-4000-8000-000000000001"),
        await signed.officer_token("admin"),
    ]
    try:
        await wait_ready(port)
        failures = await asyncio.to_thread(fuzz, f"http://127.0.0.1:{port}/graphql", tokens)
    finally:
        server.terminate()
        server.wait(30)
    assert failures == [], failures[:5]


def register_scalars() -> None:
    # Files arrive as multipart parts, never inline: an inline Upload is null (or refused).
    schemathesis.graphql.scalar("Upload", st.just(nodes.Null))
    schemathesis.graphql.scalar(
        "JSON",
        st.one_of(
            st.text(max_size=20).map(nodes.String),
            st.integers(-(2**31), 2**31 - 1).map(nodes.Int),
            st.just(nodes.Null),
        ),
    )
    schemathesis.graphql.scalar(
        "Date", st.dates().map(lambda d: nodes.String(d.isoformat())) | st.text().map(nodes.String)
    )
    schemathesis.graphql.scalar(
        "DateTime",
        st.datetimes().map(lambda d: nodes.String(d.isoformat())) | st.text().map(nodes.String),
    )


def fuzz(url: str, tokens: list[str | None]) -> list[str]:
    register_scalars()
    schema = schemathesis.graphql.from_path(ROOT / "graphql" / "schema.graphql")
    failures: list[str] = []
    seen: Counter[str] = Counter()
    with httpx.Client(timeout=30) as http:

        def checker(operation: Any) -> Any:
            label: str = operation.label

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def check(case: Any) -> None:
                query = case.body if isinstance(case.body, str) else case.body["query"]
                token = tokens[seen[label] % len(tokens)]
                seen[label] += 1
                headers = {"authorization": f"Bearer {token}"} if token else {}
                response = http.post(url, json={"query": query}, headers=headers)
                if response.status_code >= 500 and response.status_code != 503:
                    failures.append(f"{label}: HTTP {response.status_code}\n{query}")
                    return
                body = response.json()
                for error in body.get("errors") or []:
                    if not (error.get("extensions") or {}).get("code"):
                        failures.append(f"{label}: uncoded {error}\n{query}")

            return check

        for result in schema.get_all_operations():
            checker(result.ok())()
    assert len(seen) >= 30 and all(seen.values()), "every operation was exercised"
    print(f"fuzz: {sum(seen.values())} requests over {len(seen)} operations")
    return failures


def msgspec_replace_secret(client: GraphQLClient) -> GraphQLClient:
    import msgspec

    return GraphQLClient(
        client.http,
        msgspec.structs.replace(client.settings, jwt_secret=SECRET),
        client._conn,
        client.clock,
    )


async def wait_ready(port: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        for _ in range(600):
            try:
                if (await http.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the API never became ready")
