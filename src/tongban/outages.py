"""What counts as a dependency outage: PostgreSQL or Redis unreachable, restarting or failing
over. Such an error is retryable — the same request can succeed a moment later — unlike a bug,
which is masked, or a domain error, which is the caller's to fix.

The API answers an outage with a typed SERVICE_UNAVAILABLE (HTTP 503, Retry-After); workers
wait and resume instead of exiting.
"""

from __future__ import annotations

import asyncpg
import redis.exceptions

from tongban.errors import RETRY_AFTER_SECONDS, ServiceUnavailableError

__all__ = ["RETRY_AFTER_SECONDS", "ServiceUnavailableError", "is_outage"]

_OUTAGES: tuple[type[BaseException], ...] = (
    # Connection refused / reset / timed out (TimeoutError is an OSError).
    OSError,
    # Lost connections and class 08 (connection exception).
    asyncpg.PostgresConnectionError,
    # 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up).
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    # 53300: connections exhausted on the server.
    asyncpg.TooManyConnectionsError,
    # 25006: a failover left us on a replica that is still read-only.
    asyncpg.ReadOnlySQLTransactionError,
    # A connection whose protocol state was lost mid-statement (db.Connection discards it).
    asyncpg.InternalClientError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)


def is_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) is a dependency outage."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, _OUTAGES):
            return True
        if isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
