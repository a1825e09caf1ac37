import asyncio
from collections.abc import AsyncIterator

import pytest
from tests.conftest import START, running
from tests.servers import RedisProcess

from tongban.app import create_app
from tongban.clock import MovableClock
from tongban.config import load_settings


@pytest.fixture
async def own_redis() -> AsyncIterator[RedisProcess]:
    server = RedisProcess()
    server.start()
    yield server
    server.stop()


async def test_readiness_follows_redis_down_and_back(
    database: str, own_redis: RedisProcess
) -> None:
    settings = load_settings({}, env="test", database_url=database, redis_url=own_redis.url)
    async with running(create_app(settings, clock=MovableClock(START))) as http:
        ready = await http.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "ready": True,
            "checks": {"postgres": "ok", "redis": "ok"},
            "warnings": [],
        }

        own_redis.stop()
        down = await http.get("/health/ready")
        assert down.status_code == 503
        body = down.json()
        assert body["ready"] is False
        assert body["checks"]["postgres"] == "ok"
        assert body["checks"]["redis"].startswith("unavailable")

        live = await http.get("/health/live")
        assert live.status_code == 200, "liveness does not depend on Redis"

        own_redis.start()
        for _ in range(50):
            back = await http.get("/health/ready")
            if back.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert back.status_code == 200


async def test_metrics_are_exposed_for_prometheus(client) -> None:  # type: ignore[no-untyped-def]
    await client.http.get("/health/ready")
    await client.post("{ regions { code } }")
    response = await client.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "tongban_http_requests_total" in response.text
    assert "tongban_ready 1.0" in response.text


async def test_every_response_carries_a_request_id(client) -> None:  # type: ignore[no-untyped-def]
    response = await client.http.get("/health/live", headers={"x-request-id": "abc12345-given"})
    assert response.headers["x-request-id"] == "abc12345-given"
    generated = await client.post("{ regions { code } }")
    assert len(generated.headers["x-request-id"]) == 32
