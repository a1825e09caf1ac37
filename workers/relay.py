"""Outbox relay worker group: publishes committed events to Redis (`tongban worker relay`)."""

from tongban.events.tasks import WorkerSettings

__all__ = ["WorkerSettings"]
