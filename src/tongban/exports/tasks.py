"""The system worker group's export jobs (exports are platform work beside housekeeping, not
deadlines or notices): ``exports.run`` writes one job's file, ``exports.sweep`` re-enqueues
jobs whose arq job was lost (Redis away when it was asked for).

Delivery is at least once; ``exports.run`` is idempotent (see exports.service). A worker
stopped mid-export (SIGTERM cancels the job, SIGKILL leaves it to arq's timeout) has arq run
it again, from its first row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from arq import Retry, cron, func
from arq.connections import ArqRedis

from tongban.blobs import FilesystemBlobStore
from tongban.clock import Clock, clock_from_settings
from tongban.config import Settings
from tongban.exports import service

QUEUE = "tongban:system"
MAX_TRIES = 5
TIMEOUT_SECONDS = 3600
# A job queued this long without its arq job having started it is enqueued again.
LOST_AFTER = timedelta(minutes=2)


def _clock(ctx: dict[str, Any]) -> Clock:
    if "clock" not in ctx:
        ctx["clock"] = clock_from_settings(ctx["settings"])
    clock: Clock = ctx["clock"]
    return clock


async def enqueue(redis: ArqRedis, job_id: str) -> None:
    """One arq job per export job (the id dedupes a second enqueue while it is kept)."""
    await redis.enqueue_job("exports.run", job_id, _job_id=f"export:{job_id}", _queue_name=QUEUE)


async def run(ctx: dict[str, Any], job_id: str) -> str:
    """exports.run: write the export's file; a failure is retried, up to MAX_TRIES."""
    settings: Settings = ctx["settings"]
    blobs = ctx.setdefault("blobs", FilesystemBlobStore(settings.blob_dir))
    clock = _clock(ctx)
    try:
        return await service.run_job(ctx["pool"], blobs, settings, job_id=job_id, now=clock.now)
    except Exception as exc:
        if ctx.get("job_try", 1) >= MAX_TRIES:
            await service.give_up(
                ctx["pool"], job_id=job_id, error=f"{type(exc).__name__}: {exc}", at=clock.now()
            )
            return "failed"
        raise Retry(defer=ctx.get("job_try", 1) * 5) from exc


async def sweep(ctx: dict[str, Any]) -> int:
    """exports.sweep: enqueue again the jobs still queued a while after they were asked for."""
    lost = await service.unstarted_jobs(ctx["pool"], before=_clock(ctx).now() - LOST_AFTER)
    for job_id in lost:
        await enqueue(ctx["redis"], job_id)
    return len(lost)


FUNCTIONS = [func(run, name="exports.run", timeout=TIMEOUT_SECONDS, max_tries=MAX_TRIES)]
CRON_JOBS = [cron(sweep, name="exports.sweep", second=30, run_at_startup=False)]
