"""Who called, per client code and endpoint: the peer address a call came from and the
network identity its headers claimed (ClientPublicIp, ClientLocalIp, MacAddress).

Motilal binds an API key to a registered static IP (MO2035); a test reads this to see that
a client's calls leave from its own local address with its own headers (GET /sim/callers).
Only the last call per (client code, endpoint) is kept: memory stays bounded.
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    peer: str | None
    public_ip: str
    local_ip: str
    mac_address: str


class Callers:
    def __init__(self) -> None:
        self._last: dict[str, dict[str, Caller]] = {}

    def record(self, endpoint: str, peer: str | None, headers: Mapping[str, str]) -> None:
        code = headers.get("vendorinfo", "").strip().upper()
        if not code:
            return
        self._last.setdefault(code, {})[endpoint] = Caller(
            peer=peer,
            public_ip=headers.get("clientpublicip", ""),
            local_ip=headers.get("clientlocalip", ""),
            mac_address=headers.get("macaddress", ""),
        )

    def view(self) -> dict[str, dict[str, Caller]]:
        return {code: dict(calls) for code, calls in self._last.items()}

    def clear(self) -> None:
        self._last.clear()
