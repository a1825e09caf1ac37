"""Real outbound servers for notification tests: the SMS provider stub and an SMTP server."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import asyncpg
import msgspec
import pytest
import redis.asyncio as aioredis
from aiosmtpd.controller import Controller
from tests.servers import free_port

from tongban import db
from tongban.clock import MovableClock
from tongban.config import Settings
from tongban.devtools.sms_stub import SmsStub
from tongban.events import relay
from tongban.notifications.aliyun import AliyunSms
from tongban.notifications.email import SmtpSender
from tongban.notifications.notifier import Notifier
from tongban.notifications.sender import Sender

ACCESS_KEY_SECRET = "test-access-key-secret"


class Mailbox:
    """An SMTP server's handler: every accepted message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.port = 0
        self.delay = 0.0
        """Seconds each message waits before it is accepted (a slow relay)."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def text(self, message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        content: str = body.get_content()
        return content.strip()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
async def sms_stub() -> AsyncIterator[SmsStub]:
    async with SmsStub(access_key_secret=ACCESS_KEY_SECRET, port=0) as stub:
        yield stub


@pytest.fixture
def settings(settings: Settings, sms_stub: SmsStub, mailbox: Mailbox) -> Settings:
    return msgspec.structs.replace(
        settings,
        sms_endpoint=sms_stub.url,
        sms_access_key_secret=ACCESS_KEY_SECRET,
        smtp_port=mailbox.port,
        sms_timeout_seconds=5.0,
        smtp_timeout_seconds=5.0,
        notify_lease_seconds=30.0,
        sms_rate_per_second=10_000.0,
        sms_rate_burst=10_000,
        email_rate_per_second=10_000.0,
        email_rate_burst=10_000,
        notify_quiet_hours="22:00-08:00",
    )


class Pipeline:
    """Relay → stream → planner → sender, driven step by step on the test's clock."""

    def __init__(
        self, pool: asyncpg.Pool, redis: aioredis.Redis, settings: Settings, clock: MovableClock
    ) -> None:
        self.pool = pool
        self.redis = redis
        self.settings = settings
        self.clock = clock
        self.sms = AliyunSms(settings)
        self.email = SmtpSender(settings)
        self.sender = Sender(pool, redis, settings, clock, sms=self.sms, email=self.email)
        self.notifier = Notifier(self.sender, consumer="test")

    async def plan(self) -> None:
        await relay.drain(self.pool, self.redis)
        while await self.notifier.consume_once(block_ms=1):
            pass

    async def send(self) -> int:
        total = 0
        while sent := await self.sender.run_once():
            total += sent
        return total

    async def flush(self) -> int:
        await self.plan()
        return await self.send()

    async def aclose(self) -> None:
        await self.sender.close()
        await self.sms.aclose()
        await self.email.aclose()


@pytest.fixture
async def pipeline(settings: Settings, clock: MovableClock) -> AsyncIterator[Pipeline]:
    pool = await db.create_pool(settings)
    redis = aioredis.Redis.from_url(settings.redis_url)
    p = Pipeline(pool, redis, settings, clock)
    await p.notifier.ensure_group()
    yield p
    await p.aclose()
    await redis.aclose()
    await pool.close()
