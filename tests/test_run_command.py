"""The README's run command, as a person would use it: start, query, Ctrl-C."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.conftest import create_database, drop_database
from tests.servers import free_port

pytestmark = pytest.mark.slow


async def test_tongban_run_serves_the_demo_catalogue_and_stops_on_ctrl_c(
    redis_url: str, tmp_path: Path
) -> None:
    name = f"tongban_run_{os.getpid()}"
    dsn = await create_database(name)
    port = free_port()
    sms_port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_")}
    env |= {
        "TONGBAN_DATABASE_URL": dsn,
        "TONGBAN_REDIS_URL": redis_url,
        "TONGBAN_HTTP_PORT": str(port),
        "TONGBAN_LOG_LEVEL": "WARNING",
        "TONGBAN_DATA_DIR": str(tmp_path),
        "TONGBAN_SMS_ENDPOINT": f"http://127.0.0.1:{sms_port}/",
        "TONGBAN_SMTP_PORT": str(smtp_port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tongban.cli", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        ready = None
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    ready = await http.get("/health/ready")
                    if ready.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, (
                    process.stdout.read().decode() if process.stdout else ""
                )
                await asyncio.sleep(0.2)
            assert ready is not None and ready.status_code == 200
            response = await http.post(
                "/graphql", json={"query": "{ matters(first: 50) { edges { node { code } } } }"}
            )
            codes = [e["node"]["code"] for e in response.json()["data"]["matters"]["edges"]]
            assert "GD-BL-001" in codes and len(codes) >= 10
        # Nothing answered there, so the run started the SMS stub and a local SMTP server.
        for local in (sms_port, smtp_port):
            socket.create_connection(("127.0.0.1", local), timeout=2).close()
        # Ctrl-C goes to the whole foreground process group.
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=40)
        assert process.returncode == 0
        text = output.decode()
        assert "demo data ready" in text
        assert "stopped" in text
        assert f"SMS provider stub on http://127.0.0.1:{sms_port}/" in text
        assert f"local SMTP server on 127.0.0.1:{smtp_port}" in text
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        await drop_database(name)
