"""Failed-login windows in Redis, per username and per client address.

A fixed window per key (INCR, and EXPIRE when the key has no expiry yet, in one Lua script
so it is atomic and works on Redis 6 too): cheap, shared by every gateway replica, and it
forgets by itself. Only failures count, so people who type their
password right are never slowed; once a key is over its limit every attempt on it is
refused (even a right password) until the window ends, which is what stops guessing.
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
        self._limits = {"user": per_user, "address": per_address}
        self._window_s = window_s

    def _keys(self, username: str, address: str) -> dict[str, str]:
        return {
            "user": f"{_PREFIX}:user:{username.lower()}",
            "address": f"{_PREFIX}:address:{address}",
        }

    async def blocked(self, username: str, address: str) -> Blocked | None:
        """The first window this attempt is over, with the seconds until it ends."""
        for scope, key in self._keys(username, address).items():
            count = await self._redis.get(key)
            if count is not None and int(count) >= self._limits[scope]:
                ttl = await self._redis.ttl(key)
                return Blocked(scope, max(int(ttl), 1))
        return None

    async def failed(self, username: str, address: str) -> None:
        for key in self._keys(username, address).values():
            await self._redis.eval(_COUNT, 1, key, str(self._window_s))

    async def succeeded(self, username: str) -> None:
        """A right password clears the user's window (the address window keeps counting)."""
        await self._redis.delete(self._keys(username, "")["user"])
