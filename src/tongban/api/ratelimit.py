"""Request limits shared by every API process through Redis.

A fixed window per caller: one counter key per caller and window, incremented and given its
expiry in one MULTI/EXEC round trip, so every process and pod counts against the same number.
Callers are keyed by principal when signed in (a token is the same caller from any address)
and by client address when anonymous, including requests whose token was refused (500 bad
tokens in 2 s went unthrottled, issue 13). Submissions have a stricter limit of their own.

When Redis does not answer, anonymous callers are refused (fail closed: they are the flood an
outage invites) and signed-in callers pass with a warning (fail open: intake must go on while
Redis is repaired; their tokens are audited and revocable).
"""

from __future__ import annotations

import logging

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("tongban.ratelimit")

_PREFIX = "tongban:ratelimit:api:"


class Verdict(msgspec.Struct, frozen=True):
    allowed: bool
    retry_after: int = 0
    """Seconds until the caller's window ends (when refused)."""
    unavailable: bool = False
    """Redis did not answer; ``allowed`` then says whether this caller fails open."""


ALLOWED = Verdict(allowed=True)


async def hit(
    redis: aioredis.Redis,
    *,
    bucket: str,
    caller: str,
    limit: int,
    window_seconds: int,
    fail_open: bool,
) -> Verdict:
    """Count one request of ``caller`` in ``bucket``; refuse beyond ``limit`` per window.

    A limit of 0 turns the bucket off.
    """
    if limit <= 0:
        return ALLOWED
    key = f"{_PREFIX}{bucket}:{caller}"
    try:
        async with redis.pipeline(transaction=True) as pipe:
            # SET NX EX then INCR, not EXPIRE NX: that needs Redis 7, and managed Redis 6.2
            # (or the embedded one) would make every anonymous request look like an outage.
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
    except (RedisError, OSError):
        if fail_open:
            log.warning("rate limit unavailable: request allowed", extra={"bucket": bucket})
        return Verdict(allowed=fail_open, retry_after=5, unavailable=True)
    if int(count) <= limit:
        return ALLOWED
    return Verdict(allowed=False, retry_after=max(1, int(ttl)))
