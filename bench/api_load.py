"""A closed-loop HTTP load generator (aiohttp: on this machine ~20× httpx's throughput at 32
connections) and a peak-RSS sampler for a server's process tree."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp


@dataclass
class Call:
    """One request: a JSON body, or a multipart form (built anew per request)."""

    path: str
    json: Any = None
    form: Callable[[], aiohttp.FormData] | None = None
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    ok: Callable[[int, bytes], bool] = lambda status, body: status == 200


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    peak_rss: int | None = None
    cpu: float | None = None
    total_rss: int | None = None
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def cpu_ms(self) -> float | None:
        """Server CPU time per request (steadier than throughput on a shared machine)."""
        return None if self.cpu is None or not self.requests else self.cpu / self.requests * 1000

    @property
    def sql(self) -> float | None:
        if not self.statements:
            return None
        ordered = sorted(self.statements)
        return float(ordered[len(ordered) // 2])


def graphql_ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body


def process_tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += frontier
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssSampler:
    """Peak resident memory of the largest process under ``root`` (and of all of them)."""

    def __init__(self, root: int | None, interval: float = 0.2) -> None:
        self.root = root
        self.interval = interval
        self.peak = 0
        self.total = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        assert self.root is not None
        pids = process_tree(self.root)
        refreshed = time.monotonic()
        while True:
            if time.monotonic() - refreshed > 2:
                pids, refreshed = process_tree(self.root), time.monotonic()
            sizes = [rss_bytes(p) for p in pids]
            self.peak = max(self.peak, *sizes)
            self.total = max(self.total, sum(sizes))
            await asyncio.sleep(self.interval)

    def __enter__(self) -> RssSampler:
        if self.root is not None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def drive(
    name: str,
    base_url: str,
    make: Callable[[], Call],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    server_pid: int | None,
) -> Result:
    """``concurrency`` clients, each sending its next request when the last one answered."""
    result = Result(name)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:

        async def one(record: bool) -> None:
            call = make()
            started = time.perf_counter()
            data = call.form() if call.form is not None else None
            async with session.request(
                call.method, call.path, json=call.json, data=data, headers=call.headers
            ) as response:
                body = await response.read()
                status = response.status
                statements = response.headers.get("x-sql-statements")
            elapsed = time.perf_counter() - started
            if not record:
                return
            result.requests += 1
            result.latencies.append(elapsed)
            if statements is not None:
                result.statements.append(int(statements))
            if not call.ok(status, body):
                result.errors += 1
                if result.first_error is None:
                    result.first_error = f"{status} {body[:300]!r}"

        async def client(until: float, record: bool) -> None:
            while time.perf_counter() < until:
                await one(record)

        async def phase(seconds: float, record: bool) -> float:
            started = time.perf_counter()
            await asyncio.gather(*(client(started + seconds, record) for _ in range(concurrency)))
            return time.perf_counter() - started

        if warmup > 0:
            await phase(warmup, record=False)
        pids = [] if server_pid is None else process_tree(server_pid)
        cpu = cpu_seconds(pids)
        with RssSampler(server_pid) as sampler:
            result.seconds = await phase(duration, record=True)
        result.cpu = cpu_seconds(pids) - cpu if pids else None
        if server_pid is not None:
            result.peak_rss, result.total_rss = sampler.peak, sampler.total
    return result


async def drive_in_process(
    name: str,
    work: Callable[[int], Awaitable[None]],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> Result:
    """The same closed loop around a coroutine (the direct baseline: no HTTP at all)."""
    result = Result(name)
    counter = iter(range(10**12))

    async def client(until: float, record: bool) -> None:
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                await work(next(counter))
            except Exception as exc:
                if record:
                    result.errors += 1
                    result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"
            if record:
                result.requests += 1
                result.latencies.append(time.perf_counter() - started)

    for seconds, record in ((warmup, False), (duration, True)):
        if seconds <= 0:
            continue
        cpu = cpu_seconds([os.getpid()])
        started = time.perf_counter()
        await asyncio.gather(*(client(started + seconds, record) for _ in range(concurrency)))
        if record:
            result.seconds = time.perf_counter() - started
            result.cpu = cpu_seconds([os.getpid()]) - cpu
    return result
