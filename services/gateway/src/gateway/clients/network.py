"""Which network identities a client may be registered with (issue 15).

NSE binds an API key to a registered static public IP and Motilal refuses calls from any
other (MO2035). Outside development mode a client is refused at registration when the
identity its calls would use (its own, or the deployment's MOTILAL_CLIENT_* when it has
none) is one Motilal would refuse: each reason names the field.
"""

from dataclasses import dataclass

from motilal.config import MotilalSettings
from motilal.identity import NetworkIdentity
from pydantic import ValidationError

from gateway.clients.models import NetworkIdentityIn

FIELD = "network_identity"


@dataclass(frozen=True)
class IdentityRule:
    dev_mode: bool
    default: NetworkIdentity | None
    """The deployment's identity; None when MOTILAL_CLIENT_* do not make one."""

    @classmethod
    def of(cls, *, dev_mode: bool) -> "IdentityRule":
        try:
            default: NetworkIdentity | None = NetworkIdentity.of_deployment(MotilalSettings())
        except ValidationError:
            default = None
        return cls(dev_mode=dev_mode, default=default)

    def refusals(self, own: NetworkIdentityIn | None) -> list[tuple[str, str]]:
        """(field, reason) for each reason Motilal would refuse the client's calls."""
        if self.dev_mode:
            return []
        if own is not None:
            return [(f"{FIELD}.{name}", why) for name, why in own.problems().items()]
        if self.default is None:
            why = "required: the deployment has no valid default identity (MOTILAL_CLIENT_*)"
            return [(FIELD, why)]
        problems = self.default.problems()
        if not problems:
            return []
        reasons = "; ".join(f"{name}: {why}" for name, why in problems.items())
        why = f"required: the deployment's default (MOTILAL_CLIENT_*) cannot be used ({reasons})"
        return [(FIELD, why)]
