"""Whether a signed token still speaks for its officer: the officer exists and is active.

A token is valid until it expires; disabling the officer (``officer.active = false``) is how an
administrator revokes every token of a person who left, lost a device or was compromised, at
once. The answer is cached per process for a few seconds, so a busy officer costs one query per
``TONGBAN_OFFICER_STATUS_CACHE_SECONDS``, not one per request; a revocation takes effect within
that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import asyncpg

from tongban.auth.errors import TokenError
from tongban.auth.types import Principal
from tongban.government import repository as gov_repo
from tongban.identifiers import is_uuid

# Bounds the cache: a valid signature is needed to add an entry, but a leaked key must not be
# able to grow a process's memory without limit either.
_MAX_ENTRIES = 50_000


class OfficerStatus:
    def __init__(self, ttl_seconds: float, now: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._now = now
        self._cache: dict[str, tuple[bool, float]] = {}

    async def require_active(self, pool: asyncpg.Pool, principal: Principal) -> None:
        """Raise TokenError("revoked") unless the principal is an applicant or an existing,
        active officer. Outages propagate (the caller answers 503)."""
        if not principal.is_officer:
            return
        officer_id = principal.officer_id or ""
        now = self._now()
        cached = self._cache.get(officer_id)
        if cached is None or cached[1] <= now:
            active = False
            if is_uuid(officer_id):
                async with pool.acquire() as conn:
                    officer = await gov_repo.officer_by_id(conn, officer_id=officer_id)
                active = officer is not None and officer.active
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()
            cached = (active, now + self._ttl)
            if self._ttl > 0:
                self._cache[officer_id] = cached
        if not cached[0]:
            raise TokenError(
                "revoked", "this officer account is disabled or unknown; its tokens are revoked"
            )
