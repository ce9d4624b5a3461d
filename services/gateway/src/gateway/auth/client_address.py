"""The address a request comes from, as the sign-in throttle counts it.

The peer of the TCP connection, unless that peer is a trusted proxy
(GATEWAY_TRUSTED_PROXIES): then `X-Forwarded-For` is read from the right, skipping
trusted proxies, and the first address that is not one is the client. An address a
client wrote into the header itself sits to the left of what its proxies appended, so
it is never reached while a trusted proxy appended the real one. Pure, no I/O.
"""

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network
UNKNOWN = "unknown"


def networks(entries: Sequence[str]) -> list[Network]:
    """Addresses or CIDR blocks; raises ValueError naming a bad entry."""
    return [ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    if peer is None:
        return UNKNOWN
    if not forwarded_for or not is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer  # every hop is a proxy of ours: the first is nearest
