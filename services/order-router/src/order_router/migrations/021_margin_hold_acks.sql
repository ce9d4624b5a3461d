-- When the broker's acknowledgment of a held order reached the router (the event's time):
-- a margin report asked before it may not show the order yet, however late it arrives, so
-- the hold counts until a report asked after it (store_margin_holds.py).
ALTER TABLE margin_holds ADD COLUMN IF NOT EXISTS acked_at timestamptz;
