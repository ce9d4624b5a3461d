-- Freeze-quantity slices and basket legs (issue 14).
-- An F&O order above its instrument's freeze quantity is the parent of slices: each slice
-- is an order of its own at the broker (parent_order_id names the parent), and the parent
-- (slice_count > 0) is never sent; its fills, average price and status are its slices'.
ALTER TABLE orders ADD COLUMN parent_order_id text;
ALTER TABLE orders ADD COLUMN slice_count integer NOT NULL DEFAULT 0;
CREATE INDEX orders_parent ON orders (parent_order_id) WHERE parent_order_id IS NOT NULL;
-- A basket's orders are its legs (1-based, in the order they go out for the client); a leg
-- held until the client's first leg is taken names that leg in waits_for.
ALTER TABLE orders ADD COLUMN leg integer;
ALTER TABLE orders ADD COLUMN waits_for text;
CREATE INDEX orders_waits_for ON orders (waits_for) WHERE waits_for IS NOT NULL;
-- A basket batch keeps its legs as asked (token, side, order type, price, quantities).
ALTER TABLE batches ADD COLUMN legs jsonb;
