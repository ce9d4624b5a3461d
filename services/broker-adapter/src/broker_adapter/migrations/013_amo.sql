-- After-market orders (amoorder Y): kept with the intent so a retried or re-placed
-- placement is still an AMO.
ALTER TABLE order_intents ADD COLUMN amo boolean NOT NULL DEFAULT false;
