import pytest
from broker_adapter.execution.products import UnsupportedProduct, motilal_product
from common.enums import Exchange, TradeType


@pytest.mark.parametrize(
    ("trade_type", "exchange", "product"),
    [
        (TradeType.INTRADAY, Exchange.NSE, "VALUEPLUS"),
        (TradeType.INTRADAY, Exchange.NSEFO, "NORMAL"),
        (TradeType.INTRADAY, Exchange.MCX, "NORMAL"),
        (TradeType.DELIVERY, Exchange.NSE, "DELIVERY"),
        (TradeType.DELIVERY, Exchange.BSE, "DELIVERY"),
        (TradeType.DELIVERY, Exchange.NSEFO, "NORMAL"),
        (TradeType.DELIVERY, Exchange.MCX, "NORMAL"),
        (TradeType.MTF, Exchange.NSE, "MTF"),
    ],
)
def test_motilal_product_maps_trade_type_per_segment(
    trade_type: TradeType, exchange: Exchange, product: str
) -> None:
    assert motilal_product(trade_type, exchange) == product


def test_motilal_product_mtf_on_derivatives_is_refused_with_reason() -> None:
    with pytest.raises(UnsupportedProduct, match="MTF is not available on NSEFO"):
        motilal_product(TradeType.MTF, Exchange.NSEFO)
