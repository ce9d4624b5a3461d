"""Typed async client for Motilal Oswal's Open API: REST, quote feed and order/trade stream.

Money is Decimal rupees and quantities are shares at this library's surface; paisa, precision
scaling and lots are converted at the edge.
"""

from motilal import models
from motilal.client import MotilalClient
from motilal.config import HOSTS, Credentials, MotilalSettings
from motilal.errors import (
    BrokerRejected,
    BrokerUnavailable,
    LoginFailed,
    LoginFailure,
    MotilalError,
    ProtocolError,
    RateLimited,
    SessionExpired,
    UnknownOutcome,
)
from motilal.http import HttpClients, MotilalHttp
from motilal.identity import NetworkIdentity
from motilal.models import *  # noqa: F403  (the models' names are listed once, in motilal.models)
from motilal.paths import PATHS, Endpoint
from motilal.tags import tag_for
from motilal.units import InvalidQuantity, to_lots

__all__ = [
    "HOSTS",
    "PATHS",
    "BrokerRejected",
    "BrokerUnavailable",
    "Credentials",
    "Endpoint",
    "HttpClients",
    "InvalidQuantity",
    "LoginFailed",
    "LoginFailure",
    "MotilalClient",
    "MotilalError",
    "MotilalHttp",
    "MotilalSettings",
    "NetworkIdentity",
    "ProtocolError",
    "RateLimited",
    "SessionExpired",
    "UnknownOutcome",
    "tag_for",
    "to_lots",
]
__all__ += models.__all__
