"""Fault injection with real processes: worker groups and the API started the way operations
starts them (`tongban worker <group>`, `tongban serve`), private Redis and PostgreSQL servers
that the tests stop, restart and cut, and the SMS provider stub recording what it received."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

from tests.notifications.test_worker_processes import bench

from tongban.system.groups import load_worker_settings, worker_groups
from tongban.system.worker import check_health

ROOT = Path(__file__).resolve().parents[2]
GROUPS = worker_groups()


def bench_notifications() -> ModuleType:
    """bench/notifications.py: seeding events, the provider stub and its record."""
    return bench()


def start_group(group: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tongban.cli", "worker", group],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def healthy(group: str, env: dict[str, str]) -> tuple[bool, str]:
    """What `tongban worker-health <group>` (the liveness probe) decides, read the same way."""
    queue = str(load_worker_settings(group).queue_name)
    return check_health(
        env["TONGBAN_HEALTH_DIR"], queue, stale_seconds=float(env["TONGBAN_WORKER_STALE_SECONDS"])
    )


def probe(group: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The liveness probe itself, as Kubernetes runs it."""
    return subprocess.run(
        [sys.executable, "-m", "tongban.cli", "worker-health", group],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def wait_until(predicate: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
