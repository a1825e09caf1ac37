"""Notification worker group: events → SMS and e-mail, sent once (`tongban worker notifications`)."""

from tongban.notifications.tasks import WorkerSettings

__all__ = ["WorkerSettings"]
