"""The query plans behind the API benchmark's operations, on a seeded database (a script).

    uv run python bench/plans.py --database bench_growth_1m --cases 1000000 --reuse
    uv run python bench/plans.py --cases 300                # seeds a fresh database, then drops it
    … --generic      # the plans a pooled connection settles on after five runs of a statement
    … --summary      # one line per statement instead of the whole plan

Runs the app in this process (no HTTP server), sends the operations of bench/api.py — (a) the
case view, (b) a worklist page of 50 and the page after it, (c) a catalogue search, (d)
submitCase — and records every statement the app ran with its arguments (asyncpg's query
logger). Each is then run again under ``EXPLAIN (ANALYZE, BUFFERS)`` with the same arguments, so
whatever the repositories do today is what is shown. Writes are explained without ANALYZE (their
rows now exist; running them again would only report the conflict): what they cost is the index
maintenance of the table written, listed with the plans.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from api import (  # noqa: E402
    CASE_QUERY,
    PDF,
    REDIS,
    SEARCH_QUERY,
    SUBMIT_QUERY,
    WORKLIST_QUERY,
    fresh_database,
    resident_id,
)
from support import drop_database, dsn  # noqa: E402
from tongban import db  # noqa: E402
from tongban.app import create_app  # noqa: E402
from tongban.auth.tokens import mint_token  # noqa: E402
from tongban.auth.types import Principal  # noqa: E402
from tongban.config import Settings, load_settings  # noqa: E402

# Statements of the connection's own housekeeping, not of the operation.
SKIP = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SET |SELECT\s+current_setting|WITH RECURSIVE typeinfo)"
)
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|WITH\s+\w+\s+AS\s*\(\s*INSERT)", re.IGNORECASE)


class Recorder:
    """Every statement the app's connections run while ``label`` is set, with its arguments."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.seen: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}

    def __call__(self, record: Any) -> None:
        if self.label is None or SKIP.match(record.query) or record.exception is not None:
            return
        statements = self.seen.setdefault(self.label, [])
        if all(sql != record.query for sql, _ in statements):
            statements.append((record.query, tuple(record.args or ())))


def _record_statements(recorder: Recorder) -> None:
    original = db.init_connection

    async def init(conn: asyncpg.Connection) -> None:
        await original(conn)
        conn.add_query_logger(recorder)

    # The app's pool looks its init up by name when it is created.
    db.init_connection = init  # type: ignore[assignment]


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as http:
            yield http


async def principals(conn: asyncpg.Connection) -> dict[str, Principal]:
    rows = await conn.fetch(
        """SELECT o.username, o.id::text, o.name, o.roles, o.clearance, o.department_id::text,
                  d.region_code
           FROM officer o JOIN department d ON d.id = o.department_id"""
    )
    return {
        r["username"]: Principal(
            kind="officer",
            subject=f"officer:{r['id']}",
            name=r["name"],
            officer_id=r["id"],
            department_id=r["department_id"],
            region_code=r["region_code"],
            roles=frozenset(r["roles"]),
            clearance=r["clearance"],
        )
        for r in rows
    }


async def busiest_reviewer(conn: asyncpg.Connection) -> str:
    """The reviewer of the department with the most open tasks: the longest worklist."""
    name: str | None = await conn.fetchval(
        """SELECT o.username FROM officer o
           JOIN (SELECT department_id, count(*) AS n FROM review_task
                 WHERE state IN ('open', 'claimed') GROUP BY department_id) t
             ON t.department_id = o.department_id
           WHERE o.roles && ARRAY['reviewer']::text[]
           ORDER BY t.n DESC, o.username LIMIT 1"""
    )
    return name or "th.scjg.reviewer"


async def operations(
    http: httpx.AsyncClient, recorder: Recorder, conn: asyncpg.Connection, settings: Settings
) -> None:
    people = await principals(conn)

    def auth(username: str) -> dict[str, str]:
        return {"authorization": f"Bearer {mint_token(settings, people[username])}"}

    # A long-running case: the most history, tasks and clocks a case view reads.
    number = await conn.fetchval(
        """SELECT number FROM case_record WHERE state = 'under_review' AND request_hash = 'seed'
           ORDER BY version DESC, number LIMIT 1"""
    )

    async def graphql(label: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        await http.post("/graphql", json=body, headers=headers)  # warm: caches, loaders
        recorder.label = label
        response = await http.post("/graphql", json=body, headers=headers)
        recorder.label = None
        payload = response.json()
        assert response.status_code == 200 and not payload.get("errors"), payload
        return payload["data"]

    await graphql(
        "(a) case view",
        {"query": CASE_QUERY, "variables": {"number": number, "last": 20}},
        auth("gd.supervisor"),
    )
    reviewer = auth(await busiest_reviewer(conn))
    page = await graphql(
        "(b) worklist page of 50",
        {"query": WORKLIST_QUERY, "variables": {"first": 50}},
        reviewer,
    )
    cursor = page["worklist"]["pageInfo"]["endCursor"]
    query = WORKLIST_QUERY.replace("($first: Int!)", "($first: Int!, $after: String)")
    query = query.replace("worklist(first: $first)", "worklist(first: $first, after: $after)")
    await graphql(
        "(b) worklist, the next page",
        {"query": query, "variables": {"first": 50, "after": cursor}},
        reviewer,
    )
    await graphql(
        "(c) catalogue search",
        {"query": SEARCH_QUERY, "variables": {"keyword": "营业执照"}},
        {},
    )
    await submit(http, recorder, auth("th.window"))


async def submit(http: httpx.AsyncClient, recorder: Recorder, headers: dict[str, str]) -> None:
    key = f"plans-{os.getpid()}-{os.urandom(4).hex()}"
    variables = {
        "input": {
            "matterCode": "GD-BL-001",
            "regionCode": "440106005",
            "idempotencyKey": key,
            "formData": {"companyName": "计划科技有限公司", "capital": 1_000_000},
            "materials": [{"materialCode": "application", "file": None}],
            "applicant": {
                "kind": "PERSON",
                "name": "计划申请人",
                "idNumber": resident_id(7),
                "mobile": "13800138000",
                "channels": ["SMS"],
            },
        }
    }
    recorder.label = "(d) submitCase"
    response = await http.post(
        "/graphql",
        data={
            "operations": json.dumps({"query": SUBMIT_QUERY, "variables": variables}),
            "map": json.dumps({"0": ["variables.input.materials.0.file"]}),
        },
        files={"0": ("application.pdf", PDF + key.encode(), "application/pdf")},
        headers=headers,
    )
    recorder.label = None
    assert response.status_code == 200 and b'"userErrors":[]' in response.content, response.text


async def explain(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...]) -> list[str]:
    if WRITE.match(sql):
        rows = await conn.fetch("EXPLAIN (VERBOSE false, COSTS true) " + sql, *args)
    else:
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
    return [r[0] for r in rows]


async def write_costs(conn: asyncpg.Connection, tables: list[str]) -> list[str]:
    rows = await conn.fetch(
        """SELECT t.relname, count(i.indexrelid) AS indexes,
                  count(*) FILTER (WHERE a.amname = 'gin') AS gin,
                  pg_size_pretty(pg_total_relation_size(t.oid)) AS size,
                  (SELECT count(*) FROM pg_trigger g WHERE g.tgrelid = t.oid
                     AND NOT g.tgisinternal) AS triggers
           FROM pg_class t
           LEFT JOIN pg_index i ON i.indrelid = t.oid
           LEFT JOIN pg_class x ON x.oid = i.indexrelid
           LEFT JOIN pg_am a ON a.oid = x.relam
           WHERE t.relname = ANY($1::text[]) AND t.relkind IN ('r', 'p')
           GROUP BY t.oid, t.relname ORDER BY t.relname""",
        tables,
    )
    return [
        f"  {r['relname']}: {r['indexes']} indexes ({r['gin']} GIN), {r['triggers']} triggers, "
        f"{r['size']}"
        for r in rows
    ]


def headline(plan: list[str]) -> str:
    """Execution time and buffers of the top node, for the summary."""
    timing = next((line.strip() for line in plan if line.startswith("Execution Time")), "")
    buffers = next((line.strip() for line in plan if "Buffers:" in line), "")
    return f"{timing}; {buffers}" if timing else plan[0].strip()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="tongban_bench_plans")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="explain a kept database")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--generic", action="store_true", help="plan_cache_mode generic")
    parser.add_argument("--summary", action="store_true", help="one line per statement")
    args = parser.parse_args()
    url = (
        await fresh_database(args.database, args.cases, args.reuse)
        if not args.reuse
        else dsn(args.database)
    )
    recorder = Recorder()
    _record_statements(recorder)
    try:
        with tempfile.TemporaryDirectory(prefix="tongban-plans-") as tmp:
            settings = load_settings(
                {},
                env="test",
                database_url=url,
                redis_url=REDIS,
                blob_dir=str(Path(tmp) / "blobs"),
                rate_limit_anonymous=0,
                rate_limit_signed_in=0,
                rate_limit_submissions=0,
            )
            conn = await db.connect(url)
            try:
                async with running(settings) as http:
                    await operations(http, recorder, conn, settings)
                await print_plans(conn, recorder, generic=args.generic, summary=args.summary)
            finally:
                await conn.close()
    finally:
        if not args.reuse and not args.keep:
            await drop_database(args.database)


async def print_plans(
    conn: asyncpg.Connection, recorder: Recorder, *, generic: bool, summary: bool
) -> None:
    cases = await conn.fetchval("SELECT count(*) FROM case_record")
    events = await conn.fetchval(
        "SELECT reltuples::bigint FROM pg_class WHERE relname = 'case_event'"
    )
    print(
        f"{cases:,} cases, ~{events:,} history events; plan_cache_mode "
        f"{'force_generic_plan' if generic else 'auto (custom plans)'}"
    )
    if generic:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
    written: set[str] = set()
    for label, statements in recorder.seen.items():
        print(f"\n## {label}: {len(statements)} statements")
        for n, (sql, params) in enumerate(statements, 1):
            plan = await explain(conn, sql, params)
            if WRITE.match(sql):
                for match in re.findall(r"INSERT\s+INTO\s+(\w+)|UPDATE\s+(\w+)", sql, re.I):
                    written.update(match)
            if summary:
                print(f"{n:>3}. {headline(plan)}\n     {' '.join(sql.split())[:150]}")
            else:
                print(f"\n### {label} #{n}\n{textwrap_sql(sql)}\n")
                print("\n".join(plan))
    written.discard("")
    if written:
        print("\nTables written by (d), what each row written maintains:")
        print("\n".join(await write_costs(conn, sorted(written))))


def textwrap_sql(sql: str) -> str:
    return "\n".join("    " + line.strip() for line in sql.strip().splitlines() if line.strip())


if __name__ == "__main__":
    asyncio.run(main())
