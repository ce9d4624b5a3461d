"""Prometheus metrics of market-data (`market_data_<what>_<unit>`)."""

from prometheus_client import Counter, Gauge

FEED_CONNECTED = Gauge(
    "market_data_feed_connected", "1 while the binary quote feed is connected and logged in"
)
FEED_CONNECTS = Counter(
    "market_data_feed_connects_total", "Successful feed connections (the first and reconnects)"
)
FEED_SUBSCRIPTIONS = Gauge(
    "market_data_feed_subscriptions", "Scrips registered on the feed (or polled while it is down)"
)
FEED_LEFT_OUT = Gauge(
    "market_data_feed_subscriptions_left_out",
    "Tokens wanted but not subscribed because of the feed's subscription limit",
)
QUOTES_RECEIVED = Counter(
    "market_data_quotes_received_total", "Quotes assembled, before conflation", ["source"]
)
QUOTES_PUBLISHED = Counter(
    "market_data_quotes_published_total", "Quotes published to marketdata.quotes.v1 and Redis"
)
QUOTES_CONFLATED = Counter(
    "market_data_quotes_conflated_total", "Quotes replaced by a newer one before publishing"
)
LTP_POLLS = Counter(
    "market_data_ltp_polls_total", "REST LTP calls made while the feed is down", ["outcome"]
)
PUBLISH_FAILURES = Counter(
    "market_data_publish_failures_total", "Flushes whose Kafka publish failed (quotes dropped)"
)
QUOTE_SAVE_FAILURES = Counter(
    "market_data_quote_save_failures_total",
    "Flushes whose Redis write failed (Kafka still got them; the next flush overwrites)",
)
SCRIP_ROWS_SKIPPED = Counter(
    "market_data_scrip_rows_skipped_total",
    "Scrip-master rows skipped because a field is not what Motilal sends (the rest load)",
    ["exchange"],
)
