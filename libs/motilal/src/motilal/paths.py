"""Every Motilal REST path in one table, so a version change is a one-line edit.

Versions follow the current documentation (reference A.2). The simulator serves the same table.
"""

from enum import StrEnum


class Endpoint(StrEnum):
    LOGIN = "login"
    VERIFY_OTP = "verify_otp"
    RESEND_OTP = "resend_otp"
    LOGOUT = "logout"
    PROFILE = "profile"
    PLACE_ORDER = "place_order"
    MODIFY_ORDER = "modify_order"
    CANCEL_ORDER = "cancel_order"
    ORDER_BOOK = "order_book"
    ORDER_DETAIL = "order_detail"
    TRADE_BOOK = "trade_book"
    TRADE_DETAIL = "trade_detail"
    POSITIONS = "positions"
    HOLDINGS = "holdings"
    MARGIN_SUMMARY = "margin_summary"
    MARGIN_DETAIL = "margin_detail"
    LTP = "ltp"
    INDEX_LTP = "index_ltp"
    SCRIP_MASTER_CSV = "scrip_master_csv"


PATHS: dict[Endpoint, str] = {
    Endpoint.LOGIN: "/rest/login/v7/authdirectapi",
    Endpoint.VERIFY_OTP: "/rest/login/v5/verifyotp",
    Endpoint.RESEND_OTP: "/rest/login/v5/resendotp",
    Endpoint.LOGOUT: "/rest/login/v5/logout",
    Endpoint.PROFILE: "/rest/login/v5/getprofile",
    Endpoint.PLACE_ORDER: "/rest/trans/v2/placeorder",
    Endpoint.MODIFY_ORDER: "/rest/trans/v5/modifyorder",
    Endpoint.CANCEL_ORDER: "/rest/trans/v2/cancelorder",
    Endpoint.ORDER_BOOK: "/rest/book/v5/getorderbook",
    Endpoint.ORDER_DETAIL: "/rest/book/v5/getorderdetailbyuniqueorderid",
    Endpoint.TRADE_BOOK: "/rest/book/v4/gettradebook",
    Endpoint.TRADE_DETAIL: "/rest/book/v4/gettradedetailbyuniqueorderid",
    Endpoint.POSITIONS: "/rest/book/v4/getposition",
    Endpoint.HOLDINGS: "/rest/report/v3/getdpholding",
    Endpoint.MARGIN_SUMMARY: "/rest/report/v3/getreportmarginsummary",
    Endpoint.MARGIN_DETAIL: "/rest/report/v3/getreportmargindetail",
    Endpoint.LTP: "/rest/report/v3/getltpdata",
    Endpoint.INDEX_LTP: "/rest/report/v3/getindexltpdata",
    Endpoint.SCRIP_MASTER_CSV: "/getscripmastercsv",
}

# Writes that may create or change an order: never retried blindly, and any transport failure
# after the request went out is an unknown outcome.
ORDER_WRITES = frozenset({Endpoint.PLACE_ORDER, Endpoint.MODIFY_ORDER, Endpoint.CANCEL_ORDER})

# Paths that a login-less request may call.
NO_AUTH = frozenset({Endpoint.LOGIN, Endpoint.SCRIP_MASTER_CSV})

FEED_PATH = "/jwebsocket/jwebsocket"
ORDER_STREAM_PATH = "/ws"
