"""Every process the platform runs (the API and each worker group), started as the container
starts them with every URL and port moved away from its default, uses what it was given.

A process that reads a default instead of the loaded settings still works on a developer
machine, where the defaults happen to answer, and fails only where they don't (embedded servers,
Kubernetes): here the defaults answer too, so the test checks where each process went.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from tests.cases.factories import make_applicant, submit
from tests.conftest import START, GraphQLClient
from tests.notifications.conftest import Mailbox
from tests.scenarios import ok
from tests.servers import RedisProcess, free_port

from tongban.config import load_settings
from tongban.devtools.sms_stub import SmsStub
from tongban.system.groups import load_worker_settings, worker_groups

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
# The console script the container runs (`tongban …`), from this environment.
TONGBAN = str(Path(sys.executable).with_name("tongban"))
SECRET = "non-default-sms-secret"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def private_redis() -> Iterator[RedisProcess]:
    server = RedisProcess()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def stub() -> AsyncIterator[SmsStub]:
    async with SmsStub(access_key_secret=SECRET, port=0) as server:
        yield server


@pytest.fixture
def mailbox_on_free_port() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


async def wait_until(predicate: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def health_prefix(group: str) -> str:
    key = str(load_worker_settings(group).health_check_key)
    # The key ends with host and pid of the process that loaded the settings.
    return key.rsplit(":", 2)[0]


async def test_the_api_and_every_worker_group_use_the_urls_and_ports_they_are_given(
    database: str,
    conn: asyncpg.Connection,
    private_redis: RedisProcess,
    stub: SmsStub,
    mailbox_on_free_port: Mailbox,
    tmp_path: Path,
) -> None:
    assert not database.endswith("/tongban")
    http_port = free_port()
    assert http_port != 8000 and private_redis.port != 6379
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")} | {
        "TONGBAN_ENV": "test",
        "TONGBAN_DATABASE_URL": database,
        "TONGBAN_REDIS_URL": private_redis.url,
        "TONGBAN_HTTP_PORT": str(http_port),
        "TONGBAN_SMS_ENDPOINT": stub.url,
        "TONGBAN_SMS_ACCESS_KEY_SECRET": SECRET,
        "TONGBAN_SMTP_PORT": str(mailbox_on_free_port.port),
        "TONGBAN_BLOB_DIR": str(tmp_path / "blobs"),
        "TONGBAN_DATA_DIR": str(tmp_path / "data"),
        "TONGBAN_NOTIFY_QUIET_HOURS": "",
        "TONGBAN_CLOCK_START": START.isoformat(),
        "TONGBAN_CLOCK_ANCHOR": str(int(time.time())),
        "TONGBAN_LOG_LEVEL": "WARNING",
    }
    groups = worker_groups()
    assert {"deadlines", "notifications", "relay", "system"} <= set(groups)
    processes: dict[str, subprocess.Popen[bytes]] = {
        "api": subprocess.Popen([TONGBAN, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL),
    }
    for group in groups:
        processes[group] = subprocess.Popen(
            [TONGBAN, "worker", group], env=env, cwd=ROOT, stdout=subprocess.DEVNULL
        )
    private = aioredis.Redis.from_url(private_redis.url)
    default = aioredis.Redis.from_url(DEFAULT_REDIS)
    try:
        # The API answers on its port and is ready: its PostgreSQL and Redis are the given ones.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as http:

            async def ready() -> bool:
                try:
                    return (await http.get("/health/ready")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(ready, 60, "the API on its port")

            # Each worker group reports its liveness in the private Redis.
            async def healthy(group: str) -> bool:
                pid = processes[group].pid
                key = f"{health_prefix(group)}:{socket.gethostname()}:{pid}"
                return bool(await private.exists(key))

            for group in groups:
                await wait_until(lambda g=group: healthy(g), 60, f"{group}'s health key")
                assert processes[group].poll() is None, group

            # A submission through the API goes out through the relay and the notification
            # worker to the SMS endpoint and SMTP server on their non-default ports.
            settings = load_settings({}, env="test", database_url=database)
            client = GraphQLClient(http, settings, conn, clock=None)  # type: ignore[arg-type]
            applicant = client.applicant_token(await make_applicant(conn))
            case = ok(await submit(client, applicant))

            async def sms_sent() -> bool:
                return any(case["number"] in str(m) for m in stub.messages)

            async def mail_sent() -> bool:
                box = mailbox_on_free_port
                return any(case["number"] in box.text(m) for m in box.messages)

            await wait_until(sms_sent, 30, "the applicant's SMS at the stub")
            await wait_until(mail_sent, 30, "the applicant's e-mail at the SMTP server")

        # Nothing went to the default Redis: no process left its health key there.
        for group in groups:
            pattern = f"tongban:*:{processes[group].pid}"
            assert [k async for k in default.scan_iter(match=pattern, count=1000)] == [], group
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        await private.aclose()
        await default.aclose()
