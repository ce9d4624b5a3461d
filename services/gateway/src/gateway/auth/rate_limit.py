"""Failed-login windows in Redis, per (username, address) and per address.

A fixed window per key (INCR, and EXPIRE when the key has no expiry yet, in one Lua script
so it is atomic and works on Redis 6 too): cheap, shared by every gateway replica, and it
forgets by itself. Only failures count, so people who type their password right are never
slowed. Past a limit, attempts on that key wait for the window's end (429 with
Retry-After): guessing one user's password from one address, or many users' from one
address, slows to a crawl. Nothing is counted per user alone, so failures from one place
never lock the user out elsewhere: a right password from an address without failures
always goes through.
"""

from dataclasses import dataclass

from redis.asyncio import Redis

_PREFIX = "gateway:login-failures"

# Atomic count-and-arm; a key left without a TTL (e.g. by a crash) is armed on the next hit.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@dataclass(frozen=True)
class Blocked:
    scope: str
    retry_after_s: int


class LoginRateLimiter:
    def __init__(self, redis: Redis, *, per_user: int, per_address: int, window_s: int) -> None:
        self._redis = redis
        self._limits = {"user at this address": per_user, "address": per_address}
        self._window_s = window_s

    def _keys(self, username: str, address: str) -> dict[str, str]:
        return {
            "user at this address": f"{_PREFIX}:pair:{address}:{username.lower()}",
            "address": f"{_PREFIX}:address:{address}",
        }

    async def blocked(self, username: str, address: str) -> Blocked | None:
        """The first window this attempt is over, with the seconds until it ends."""
        keys = self._keys(username, address)
        counts = await self._redis.mget(list(keys.values()))
        for (scope, key), count in zip(keys.items(), counts, strict=True):
            if count is not None and int(count) >= self._limits[scope]:
                ttl = await self._redis.ttl(key)
                return Blocked(scope, max(int(ttl), 1))
        return None

    async def failed(self, username: str, address: str) -> None:
        for key in self._keys(username, address).values():
            await self._redis.eval(_COUNT, 1, key, str(self._window_s))

    async def succeeded(self, username: str, address: str) -> None:
        """A right password clears its own (user, address) window; the address keeps counting."""
        await self._redis.delete(self._keys(username, address)["user at this address"])
