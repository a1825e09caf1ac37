"""PostgreSQL restarted, then stopped for 20 s, while window officers submit and the public
browses: clients see only typed, retryable errors (HTTP 503, SERVICE_UNAVAILABLE, Retry-After);
retrying with the same idempotency key yields exactly one case per key; every worker group
survives, and each case's event is published (the relay LISTENs again) and its SMS sent once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from tests.chaos.conftest import GROUPS, ROOT, bench_notifications, start_group, stop, wait_until
from tests.servers import PostgresProcess, free_port, wait_for_port

from tongban import db
from tongban.auth.tokens import mint_token
from tongban.auth.types import Principal
from tongban.config import load_settings
from tongban.demo import load_demo_data
from tongban.identifiers import resident_id_check_char
from tongban.migrate import migrate

pytestmark = pytest.mark.slow
SECRET = "chaos-test-jwt-secret-0123456789abcdef"
SUBMITTERS, READERS = 4, 2
STOPPED_SECONDS = 20
SUBMIT = """mutation ($input: SubmitCaseInput!) {
  submitCase(input: $input) { created case { number } userErrors { code problem message } } }"""
BROWSE = "{ matters(first: 5) { edges { node { code } } } }"


@pytest.fixture
def postgres() -> Iterator[PostgresProcess]:
    server = PostgresProcess()
    server.start()
    yield server
    server.remove()


@pytest.fixture
async def platform_db(postgres: PostgresProcess) -> AsyncIterator[str]:
    admin = await asyncpg.connect(postgres.url())
    await admin.execute('CREATE DATABASE "tongban_chaos"')
    await admin.close()
    url = postgres.url("tongban_chaos")
    await migrate(url)
    conn = await db.connect(url)
    await load_demo_data(conn)
    await conn.close()
    yield url


def person(n: int) -> dict[str, Any]:
    # Three digits of sequence per birth day: a fast machine files more than 1,000 in the test.
    first17 = f"440106199001{1 + n // 1000:02d}{n % 1000:03d}"
    return {
        "kind": "PERSON",
        "name": f"故障{n}",
        "idNumber": first17 + resident_id_check_char(first17),
        "mobile": f"1390000{n:04d}",
        "channels": ["SMS"],
    }


class Load:
    """Window officers submitting (retrying on 503 with the same key) and anonymous browsing."""

    def __init__(self, base: str, token: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=30)
        self.token = token
        self.running = True
        self.keys: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.wrong: list[str] = []

    def check(self, response: httpx.Response) -> bool:
        """True on success; a 503 must be typed and retryable; anything else is wrong."""
        self.statuses[response.status_code] += 1
        body = response.json()
        if response.status_code == 200 and not body.get("errors"):
            return True
        codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
        if not (
            response.status_code == 503
            and codes == {"SERVICE_UNAVAILABLE"}
            and response.headers.get("retry-after")
        ):
            self.wrong.append(f"{response.status_code} {body}")
        return False

    async def submitter(self, index: int) -> None:
        n = 0
        while self.running:
            key = f"chaos-{index}-{n:04d}"
            variables = {
                "input": {
                    "matterCode": "GD-BL-001",
                    "regionCode": "440106",
                    "idempotencyKey": key,
                    "formData": {"companyName": f"故障测试{index}-{n}"},
                    "materials": [],
                    "applicant": person(index * 250 + n),
                }
            }
            while True:  # the same key until it succeeds, as a careful client would
                response = await self.http.post(
                    "/graphql",
                    json={"query": SUBMIT, "variables": variables},
                    headers={"authorization": f"Bearer {self.token}"},
                )
                if self.check(response):
                    payload = response.json()["data"]["submitCase"]
                    assert payload["userErrors"] == [], payload
                    self.keys.append(key)
                    break
                await asyncio.sleep(0.3)
            n += 1

    async def reader(self) -> None:
        while self.running:
            self.check(await self.http.post("/graphql", json={"query": BROWSE}))
            await asyncio.sleep(0.1)


async def test_clients_see_only_typed_retryable_errors_and_nothing_is_lost_or_doubled(
    postgres: PostgresProcess, platform_db: str, redis_url: str, tmp_path: Path
) -> None:
    b = bench_notifications()
    record = tmp_path / "sms.jsonl"
    stub_port, api_port = free_port(), free_port()
    stub = b.start_stub(stub_port, record)
    env = b.worker_env(
        platform_db,
        redis_url,
        f"http://127.0.0.1:{stub_port}/",
        jwt_secret=SECRET,
        http_port=api_port,
        health_dir=tmp_path / "health",
        relay_poll_seconds=600,
        smtp_port=free_port(),
        db_pool_max=4,
        # The window files a case every few milliseconds: the outage is under test, not the
        # submission limit (tests/security/test_rate_limits.py).
        rate_limit_submissions=0,
        rate_limit_signed_in=0,
        rate_limit_anonymous=0,
    )
    api = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=(tmp_path / "api.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    workers = [start_group(g, env, tmp_path / f"{g}.log") for g in GROUPS]
    conn = await db.connect(platform_db)
    officer = await conn.fetchrow(
        """SELECT o.id::text, o.name, o.roles, o.clearance, o.department_id::text, d.region_code
           FROM officer o JOIN department d ON d.id = o.department_id
           WHERE o.username = 'th.window'"""
    )
    await conn.close()
    token = mint_token(
        load_settings({}, env="test", jwt_secret=SECRET),
        Principal(
            kind="officer",
            subject=f"officer:{officer['id']}",
            name=officer["name"],
            officer_id=officer["id"],
            department_id=officer["department_id"],
            region_code=officer["region_code"],
            roles=frozenset(officer["roles"]),
            clearance=officer["clearance"],
        ),
    )
    wait_for_port(api_port, timeout=60)
    load = Load(f"http://127.0.0.1:{api_port}", token)
    tasks = [asyncio.create_task(load.submitter(i)) for i in range(SUBMITTERS)]
    tasks += [asyncio.create_task(load.reader()) for _ in range(READERS)]
    try:
        await asyncio.sleep(3)
        await asyncio.to_thread(postgres.restart)
        await asyncio.sleep(3)
        await asyncio.to_thread(postgres.stop)
        await asyncio.sleep(STOPPED_SECONDS)
        await asyncio.to_thread(postgres.start)
        await asyncio.sleep(5)
        load.running = False
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        assert load.wrong == [], load.wrong[:5]
        assert load.statuses[503] > 0, "the outage was seen by clients"
        assert api.poll() is None and all(w.poll() is None for w in workers)

        conn = await db.connect(platform_db)
        try:
            cases = await conn.fetch("SELECT idempotency_key FROM case_record")
            keys = Counter(r["idempotency_key"] for r in cases)
            assert sorted(keys) == sorted(load.keys), "one case per key, none lost"
            assert max(keys.values()) == 1, "no key made two cases"

            async def all_published() -> bool:
                return bool(
                    await conn.fetchval(
                        "SELECT count(*) = $1 FROM outbox WHERE published_at IS NOT NULL",
                        len(keys),
                    )
                )

            assert await conn.fetchval("SELECT count(*) FROM outbox") == len(keys)
            # The relay's polling fallback is 10 minutes: published sooner means LISTEN is back.
            await wait_until(all_published, 60, "every event published after the outage")

            async def all_sms() -> bool:
                return len(b.received(record)) >= len(keys)

            await wait_until(all_sms, 90, "one SMS per case at the provider")
            messages = {
                r["id"] for r in await conn.fetch("SELECT id::text FROM notification_message")
            }
        finally:
            await conn.close()
        ids = b.received(record)
        assert len(ids) == len(set(ids)) == len(keys) == len(messages)
        assert set(ids) == messages
    finally:
        load.running = False
        for t in tasks:
            t.cancel()
        await load.http.aclose()
        stop([api, *workers])
        stub.terminate()
        stub.wait(10)
