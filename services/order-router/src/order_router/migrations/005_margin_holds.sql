-- Margin held by approved orders that the client's latest margin report cannot show yet
-- (decided after the report was read, or not yet acknowledged by the broker). Risk takes
-- it off the available margin, so two requests for one client cannot both spend the same
-- margin, whichever router replica decides them (store_margin_holds.py).
CREATE TABLE margin_holds (
    order_id  text PRIMARY KEY,
    client_id text NOT NULL,
    amount    numeric(20, 4) NOT NULL CHECK (amount > 0),
    held_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX margin_holds_client ON margin_holds (client_id, held_at);
