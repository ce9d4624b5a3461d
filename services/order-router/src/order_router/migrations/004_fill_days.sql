-- A fill is applied once per (client, exchange, trading date, trade number): exchanges
-- number trades afresh every session, so keyed by the trade number alone the next day's
-- trade number 1 was skipped as "already applied" and its order stayed ACCEPTED.
ALTER TABLE fills ADD COLUMN exchange text;
ALTER TABLE fills ADD COLUMN trading_date date;
UPDATE fills SET exchange = o.exchange FROM orders o WHERE o.order_id = fills.order_id;
UPDATE fills SET exchange = '' WHERE exchange IS NULL;
UPDATE fills SET trading_date = (traded_at AT TIME ZONE 'Asia/Kolkata')::date;
ALTER TABLE fills ALTER COLUMN exchange SET NOT NULL;
ALTER TABLE fills ALTER COLUMN trading_date SET NOT NULL;
ALTER TABLE fills DROP CONSTRAINT fills_pkey;
ALTER TABLE fills ADD PRIMARY KEY (client_id, exchange, trading_date, trade_no);
