-- Fills belong to a trading date (the IST date of the trade). Exchanges number trades
-- afresh every session, so a fill is identified by client, exchange, trading date and trade
-- number, never by trade number alone. Each fill keeps the realized P&L it booked, so a
-- day's realized P&L is the sum over that day's fills (today's starts at zero each morning).
ALTER TABLE fills ADD COLUMN trading_date date;
ALTER TABLE fills ADD COLUMN realized_pnl numeric NOT NULL DEFAULT 0;
-- fills applied before this migration: their date from the trade time; their booked P&L is
-- unknown per fill (0 here; the positions' totals are unaffected)
UPDATE fills SET trading_date = (traded_at AT TIME ZONE 'Asia/Kolkata')::date;
ALTER TABLE fills ALTER COLUMN trading_date SET NOT NULL;
ALTER TABLE fills DROP CONSTRAINT fills_pkey;
ALTER TABLE fills ADD PRIMARY KEY (client_id, exchange, trading_date, trade_no);
CREATE INDEX fills_by_client_day ON fills (client_id, trading_date);
