"""Header checks: every documented header is required (reference A.3), each with its MO20xx code.

Header names are case-insensitive (the SDK sends lower case); Starlette's Headers already is.
"""

from collections.abc import Mapping

from motilal_sim.rejects import Reject

# (header, code, what it is) in the order Motilal reports them.
_ALWAYS = (
    ("accept", "MO2003", "Accept must be application/json"),
    ("user-agent", "MO2004", "User-Agent (e.g. MOSL/V.1.1.0)"),
    ("apikey", "MO2005", "ApiKey"),
    ("macaddress", "MO2008", "MacAddress"),
    ("clientlocalip", "MO2009", "ClientLocalIp"),
    ("clientpublicip", "MO2010", "ClientPublicIp"),
    ("sourceid", "MO2011", "SourceId (WEB, MOBILE or DESKTOP)"),
    ("vendorinfo", "MO2012", "vendorinfo (the client code)"),
    ("osname", "MO2014", "osname"),
    ("osversion", "MO2015", "osversion"),
    ("devicemodel", "MO2016", "devicemodel"),
    ("manufacturer", "MO2017", "manufacturer"),
    ("productname", "MO2018", "productname"),
    ("productversion", "MO2019", "productversion"),
)
_BY_SOURCE = {
    "DESKTOP": (("installedappid", "MO2020", "installedappid"),),
    "MOBILE": (
        ("installedappid", "MO2020", "installedappid"),
        ("imeino", "MO2021", "imeino (15 digits)"),
    ),
    "WEB": (
        ("browsername", "MO2022", "browsername"),
        ("browserversion", "MO2023", "browserversion"),
    ),
}


def check_headers(headers: Mapping[str, str]) -> None:
    for name, code, label in _ALWAYS:
        if not headers.get(name, "").strip():
            raise Reject(code, f"header {label} is missing or empty")
    if "json" not in headers.get("accept", ""):
        raise Reject("MO2003", "header Accept must be application/json")
    source = headers["sourceid"].strip().upper()
    if source not in _BY_SOURCE:
        raise Reject("MO2011", f"header SourceId {source!r} must be WEB, MOBILE or DESKTOP")
    for name, code, label in _BY_SOURCE[source]:
        if not headers.get(name, "").strip():
            raise Reject(code, f"header {label} is required when SourceId is {source}")
    if source == "MOBILE" and not (len(headers["imeino"]) == 15 and headers["imeino"].isdigit()):
        raise Reject("MO2021", "header imeino must be 15 digits")
