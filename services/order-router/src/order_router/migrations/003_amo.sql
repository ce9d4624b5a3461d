-- After-market orders: the operator asked for an AMO (amoorder Y), which Motilal queues
-- for the next open; kept so a command sent again after a restart is still an AMO.
ALTER TABLE orders ADD COLUMN amo boolean NOT NULL DEFAULT false;
