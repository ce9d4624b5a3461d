-- Broker order ids and exchange trade numbers restart every trading day (at Motilal and in
-- the simulator), so both are scoped by the trading date (the IST date of the session).
-- An intent's trading_date is the session its broker order id was given in.
ALTER TABLE order_intents ADD COLUMN trading_date date;
UPDATE order_intents SET trading_date = (updated_at AT TIME ZONE 'Asia/Kolkata')::date
 WHERE broker_order_id IS NOT NULL;
DROP INDEX order_intents_broker;
CREATE INDEX order_intents_broker ON order_intents (client_id, trading_date, broker_order_id);

-- A fill is one trade number of one order in one session: (client, exchange, trading date,
-- trade number), and the order too, so that a trade is never taken for another order's
-- even when two sessions share a date (a simulator's days within one calendar day).
ALTER TABLE emitted_trades ADD COLUMN exchange text;
ALTER TABLE emitted_trades ADD COLUMN trading_date date;
UPDATE emitted_trades e
   SET exchange = i.exchange,
       trading_date = COALESCE(i.trading_date, (e.emitted_at AT TIME ZONE 'Asia/Kolkata')::date)
  FROM order_intents i WHERE i.order_id = e.order_id;
UPDATE emitted_trades SET exchange = '', trading_date = (emitted_at AT TIME ZONE 'Asia/Kolkata')::date
 WHERE exchange IS NULL;
ALTER TABLE emitted_trades ALTER COLUMN exchange SET NOT NULL;
ALTER TABLE emitted_trades ALTER COLUMN trading_date SET NOT NULL;
ALTER TABLE emitted_trades DROP CONSTRAINT emitted_trades_pkey;
ALTER TABLE emitted_trades ADD PRIMARY KEY (client_id, exchange, trading_date, trade_no, order_id);
