-- The exchange's quantity freeze of an F&O contract, in shares (NULL: none known); the
-- order-router cuts a larger order into slices of at most this many whole lots.
ALTER TABLE instruments ADD COLUMN freeze_quantity integer CHECK (freeze_quantity > 0);
