"""Where an account's calls come from: the static IP it registered, and the machine behind it.

NSE's 2025 rules bind an API key to a registered static public IP (shared only within a
family); Motilal refuses calls from any other address (MO2035) and wants the caller's local
IP and MAC address in every request's headers. A client (or family) may carry its own
identity; the adapter then sends its headers and opens its connections from its local
address. Clients without one use the deployment's (MotilalSettings.client_*).
"""

import ipaddress
import re

from pydantic import BaseModel, ConfigDict, field_validator

from motilal.config import MotilalSettings

_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")


class NetworkIdentity(BaseModel):
    model_config = ConfigDict(frozen=True)

    public_ip: str
    """The static public IP registered on Motilal's API portal for the API key."""
    local_ip: str
    """The address on this host the calls leave from (the host or pod must have it)."""
    mac_address: str

    @field_validator("public_ip", "local_ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        return str(ipaddress.ip_address(value.strip()))

    @field_validator("mac_address")
    @classmethod
    def _mac(cls, value: str) -> str:
        if not _MAC.match(value.strip()):
            raise ValueError("must be six hex pairs separated by ':' or '-'")
        return value.strip().upper()

    @classmethod
    def of_deployment(cls, settings: MotilalSettings) -> "NetworkIdentity":
        return cls(
            public_ip=settings.client_public_ip,
            local_ip=settings.client_local_ip,
            mac_address=settings.mac_address,
        )

    def problems(self) -> dict[str, str]:
        """Why Motilal would refuse calls made with this identity, by field (empty: none).
        Outside development mode a client must not be registered with any of these."""
        found = {}
        public = ipaddress.ip_address(self.public_ip)
        if public.is_loopback or public.is_unspecified or not public.is_global:
            found["public_ip"] = (
                f"{self.public_ip} is not a public address: use the static IP registered "
                "on Motilal's API portal"
            )
        local = ipaddress.ip_address(self.local_ip)
        if local.is_loopback or local.is_unspecified:
            found["local_ip"] = f"{self.local_ip} is a loopback or unspecified address"
        if self.mac_address.replace("-", ":") == "00:00:00:00:00:00":
            found["mac_address"] = "the all-zero MAC address is not a network interface"
        return found
