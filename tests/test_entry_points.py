"""The commands the container runs, run here as real processes: migrate, serve (with SIGTERM
while a request is in flight), worker and its liveness probe."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from tests.conftest import create_database, drop_database
from tests.servers import free_port

pytestmark = pytest.mark.slow


def env_for(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    return (
        env
        | {
            "TONGBAN_DATABASE_URL": database_url,
            "TONGBAN_REDIS_URL": redis_url,
            "TONGBAN_LOG_LEVEL": "WARNING",
        }
        | extra
    )


def tongban(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tongban.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def test_migrate_applies_then_finds_nothing_to_do(redis_url: str) -> None:
    name = f"tongban_entry_{os.getpid()}"
    url = await create_database(name)
    try:
        env = env_for(url, redis_url)
        first = tongban("migrate", env=env)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith("applied: 0001")
        again = tongban("migrate", env=env)
        assert again.stdout.strip() == "applied: nothing (up to date)"
        bad = tongban("migrate", env=env | {"TONGBAN_DB_POOL_MAX": "many"})
        assert bad.returncode == 2 and "TONGBAN_DB_POOL_MAX" in bad.stderr
    finally:
        await drop_database(name)


async def test_serve_finishes_a_request_in_flight_on_sigterm(database: str, redis_url: str) -> None:
    port = free_port()
    env = env_for(database, redis_url, TONGBAN_HTTP_PORT=str(port), TONGBAN_ENV="test")
    server = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Generous: importing the app alone takes 4-10 s on two shared, busy cores.
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            while time.monotonic() < deadline:
                try:
                    if (await http.get("/health/ready")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise TimeoutError(f"the API on port {port} was not ready")
        body = b'{"query": "{ matters(first: 3) { edges { node { code } } } }"}'
        sock = socket.create_connection(("127.0.0.1", port))
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        sock.sendall(head + body[:10])  # the request is in flight…
        await asyncio.sleep(0.3)
        server.send_signal(signal.SIGTERM)  # …when the pod is told to stop
        await asyncio.sleep(0.5)
        sock.sendall(body[10:])
        sock.settimeout(15)
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
        sock.close()
        assert response.startswith(b"HTTP/1.1 200"), response[:200]
        assert b"GD-BL-001" in response or b"GD-SI-TRANSFER" in response
        # uvicorn re-raises the signal once it has shut down gracefully.
        assert server.wait(30) in (0, -signal.SIGTERM)
        # New connections are refused once it has stopped.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1)
    finally:
        if server.poll() is None:
            server.kill()


async def test_worker_reports_liveness_and_stops_cleanly_on_sigterm(
    database: str, redis_url: str
) -> None:
    env = env_for(database, redis_url)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "worker", "deadlines"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        probe = None
        for _ in range(60):
            probe = tongban("worker-health", "deadlines", env=env)
            if probe.returncode == 0:
                break
            await asyncio.sleep(0.5)
        assert probe is not None and probe.returncode == 0, probe.stdout if probe else ""
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(40) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
