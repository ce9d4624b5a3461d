-- Fills leave through an outbox: a trade number is claimed together with the event that
-- reports it (committed first), then published, then marked published. A claim left
-- unpublished by a crash is published again at start-up, so no fill is lost and no
-- produce ever waits inside a database transaction.
ALTER TABLE emitted_trades ADD COLUMN event jsonb;
ALTER TABLE emitted_trades ADD COLUMN published_at timestamptz;
UPDATE emitted_trades SET published_at = emitted_at;
CREATE INDEX emitted_trades_unpublished ON emitted_trades (emitted_at) WHERE published_at IS NULL;
CREATE INDEX emitted_trades_order ON emitted_trades (order_id);
