"""Deadline worker group: threshold jobs and the sweeper (`tongban worker deadlines`)."""

from tongban.deadlines.tasks import WorkerSettings

__all__ = ["WorkerSettings"]
