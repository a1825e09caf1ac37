"""How every worker group runs: an arq worker that rides out Redis and PostgreSQL outages, and
per-loop heartbeats that liveness reads.

arq's own poll loop lets a ConnectionError escape ``Worker.main`` and the process exits: a Redis
outage of a second would stop every worker group for good (STACK_NOTES: arq is a trigger, the
truth is in PostgreSQL). Here a failed poll waits with backoff and polls again, so the groups
resume by themselves when Redis returns; Kubernetes restarts stay a last resort.

Liveness is not "Redis has my health key" (that would restart every pod during a Redis outage)
but "every loop of this process made progress lately": each loop beats — after a successful
step *or* a handled failure — and ``tongban worker-health`` fails when one loop has been silent
for ``TONGBAN_WORKER_STALE_SECONDS`` (a loop that died or hangs on a dead connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from arq.worker import Worker, get_kwargs

from tongban.config import Settings
from tongban.outages import is_outage

log = logging.getLogger("tongban.worker")

# Seconds between polls while Redis is away: first retry fast, then back off.
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 5.0
# Beats are written at most this often (a poll loop iterates ten times a second).
WRITE_EVERY = 1.0


def _slug(queue_name: str) -> str:
    return queue_name.replace(":", "-")


class Heartbeats:
    """The last beat of each named loop of this process, in a file the liveness probe reads.

    The file (``<health_dir>/<queue>-<pid>.json``) lives in the pod (an emptyDir on /tmp):
    liveness must not depend on Redis or PostgreSQL, or an outage would restart every pod.
    """

    def __init__(self, directory: str, queue_name: str, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.path = Path(directory) / f"{_slug(queue_name)}-{self.pid}.json"
        self.beats: dict[str, float] = {}
        self._written = 0.0

    def beat(self, loop: str) -> None:
        now = time.time()
        first = loop not in self.beats
        self.beats[loop] = now
        if first or now - self._written >= WRITE_EVERY:
            self.write(now)

    def write(self, now: float | None = None) -> None:
        self._written = now or time.time()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_suffix(".tmp")
            scratch.write_text(json.dumps({"pid": self.pid, "beats": self.beats}))
            scratch.replace(self.path)  # atomic: the probe never reads half a file
        except OSError as exc:
            log.warning("heartbeat file not written", extra={"error": str(exc)})

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_health(directory: str, queue_name: str, *, stale_seconds: float) -> tuple[bool, str]:
    """Whether a live worker process of this queue group beat on every loop lately."""
    reasons: list[str] = []
    now = time.time()
    for path in sorted(Path(directory).glob(f"{_slug(queue_name)}-*.json")):
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        pid = int(data.get("pid", 0))
        if not _pid_alive(pid):
            continue
        beats: dict[str, float] = data.get("beats", {})
        stale = {loop: now - at for loop, at in beats.items() if now - at > stale_seconds}
        if beats and not stale:
            return True, f"alive (pid {pid}: {', '.join(sorted(beats))})"
        reasons += [f"pid {pid}: loop {loop} silent for {age:.0f} s" for loop, age in stale.items()]
    return False, "; ".join(reasons) or f"no worker of {queue_name} has beaten in {directory}"


class ResilientWorker(Worker):
    """arq's worker, polling on through outages and beating on every poll."""

    def __init__(self, *args: Any, heartbeats: Heartbeats, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heartbeats = heartbeats
        self.outage_since: float | None = None
        self._backoff = BACKOFF_FIRST
        self.ctx["heartbeats"] = heartbeats

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except Exception as exc:
            if not is_outage(exc):
                # A job's own failure surfaced by arq's task bookkeeping: already recorded as
                # the job's result; the poll loop itself is fine.
                log.exception("worker poll failed")
                await asyncio.sleep(BACKOFF_FIRST)
            else:
                self._note_outage(exc)
                self.heartbeats.beat("arq")
                await asyncio.sleep(self._backoff)
                self._backoff = min(self._backoff * 2, BACKOFF_MAX)
                return
        if self.outage_since is not None:
            log.warning(
                "worker: Redis is back",
                extra={
                    "queue": self.queue_name,
                    "outage_s": round(time.time() - self.outage_since),
                },
            )
            self.outage_since = None
            self._backoff = BACKOFF_FIRST
        self.heartbeats.beat("arq")

    def _note_outage(self, exc: BaseException) -> None:
        if self.outage_since is None:
            self.outage_since = time.time()
            log.warning(
                "worker: Redis unavailable, polling on with backoff",
                extra={"queue": self.queue_name, "error": f"{type(exc).__name__}: {exc}"},
            )

    async def close(self) -> None:
        """arq's close, except that a Redis still away at shutdown does not skip our own
        on_shutdown (pools closed, sends in flight finished)."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pool.delete(self.health_check_key), timeout=2)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        with contextlib.suppress(Exception):
            await self.pool.close(close_connection_pool=True)
        self._pool = None
        self.heartbeats.remove()


def run_worker(settings_cls: type, settings: Settings) -> None:
    """Run one worker group until SIGTERM (the `tongban worker <group>` entry point)."""
    heartbeats = Heartbeats(settings.health_dir, settings_cls.queue_name)  # type: ignore[attr-defined]
    worker = ResilientWorker(**get_kwargs(settings_cls), heartbeats=heartbeats)
    worker.run()
