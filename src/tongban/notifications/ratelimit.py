"""A token bucket in Redis, shared by every notification worker process.

One Lua script refills and takes tokens atomically with Redis's own clock, so processes on
different machines agree on the rate. If Redis cannot be reached the caller sends nothing
(fail closed) and retries later: a provider's limit is never exceeded because a limiter is down.
"""

from __future__ import annotations

import contextlib
import hashlib

import redis.asyncio as aioredis

_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {granted, tostring(tokens)}
"""


_REFUND = """
local b = redis.call('HMGET', KEYS[1], 'tokens')
if b[1] then
  local tokens = math.min(tonumber(ARGV[2]), tonumber(b[1]) + tonumber(ARGV[1]))
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens))
end
return 1
"""


class LimiterUnavailable(Exception):
    """Redis did not answer: send nothing now."""


class TokenBucket:
    def __init__(self, redis: aioredis.Redis, name: str, *, rate: float, burst: int) -> None:
        self._key = f"tongban:ratelimit:{name}"
        self.rate = rate
        self.burst = burst
        self._script = redis.register_script(_TAKE)
        self._refund = redis.register_script(_REFUND)

    async def take(self, wanted: int) -> tuple[int, float]:
        """Up to ``wanted`` tokens now, and the tokens left in the bucket."""
        if wanted <= 0:
            return 0, 0.0
        try:
            granted, left = await self._script(
                keys=[self._key], args=[self.rate, self.burst, wanted]
            )
        except (aioredis.RedisError, OSError) as exc:
            raise LimiterUnavailable(str(exc) or type(exc).__name__) from exc
        return int(granted), float(left)

    async def refund(self, tokens: int) -> None:
        """Give back tokens taken but not used (best effort: a lost refund only slows us)."""
        if tokens > 0:
            with contextlib.suppress(aioredis.RedisError, OSError):
                await self._refund(keys=[self._key], args=[tokens, self.burst])


async def recipient_over_cap(
    redis: aioredis.Redis, *, address: str, cap: int, now: float
) -> float | None:
    """Count one non-urgent SMS to ``address`` in this clock hour; beyond ``cap`` the Unix time
    when the next hour starts (send then), else None. A filing spree (300 cases by one window
    token, each an SMS to the same phone) must not flood a person's phone."""
    if cap <= 0:
        return None
    hour = int(now // 3600)
    digest = hashlib.sha256(address.encode()).hexdigest()[:24]  # no phone numbers in Redis
    key = f"tongban:smscap:{digest}:{hour}"
    try:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=3700, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
    except (aioredis.RedisError, OSError) as exc:
        raise LimiterUnavailable(str(exc) or type(exc).__name__) from exc
    return float((hour + 1) * 3600) if int(count) > cap else None
