"""System worker group: platform housekeeping jobs (`tongban worker system`)."""

from tongban.system.tasks import WorkerSettings

__all__ = ["WorkerSettings"]
