"""The documented header set (reference A.3), built from settings and the account."""

from motilal.config import MotilalSettings
from motilal.identity import NetworkIdentity


def build_headers(
    settings: MotilalSettings,
    *,
    api_key: str,
    client_code: str,
    auth_token: str | None,
    api_secret: str | None = None,
    identity: NetworkIdentity | None = None,
) -> dict[str, str]:
    """`api_secret` and `identity` are the account's own; without them the settings' are
    sent."""
    identity = identity or NetworkIdentity.of_deployment(settings)
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": settings.user_agent,
        "ApiKey": api_key,
        "ClientLocalIp": identity.local_ip,
        "ClientPublicIp": identity.public_ip,
        "MacAddress": identity.mac_address,
        "SourceId": settings.source_id,
        # A client (not a vendor) identifies itself by its client code (FAQ Q35).
        "vendorinfo": client_code.upper(),
        "osname": settings.os_name,
        "osversion": settings.os_version,
        "devicemodel": settings.device_model,
        "manufacturer": settings.manufacturer,
        "productname": settings.product_name,
        "productversion": settings.product_version,
        "installedappid": settings.installed_app_id,
    }
    if settings.source_id == "MOBILE":
        headers["imeino"] = settings.imei
    if settings.source_id == "WEB":
        headers["browsername"] = settings.browser_name
        headers["browserversion"] = settings.browser_version
    if api_secret is None and settings.api_secret is not None:
        api_secret = settings.api_secret.get_secret_value()
    if api_secret:
        headers["apisecretkey"] = api_secret
    if auth_token is not None:
        headers["Authorization"] = auth_token  # no "Bearer" prefix
    return headers


SECRET_HEADERS = frozenset({"authorization", "apikey", "apisecretkey", "accesstoken"})
