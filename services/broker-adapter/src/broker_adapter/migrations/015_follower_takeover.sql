-- Who follows a placed order once the replica that placed it is gone (tracking/takeover.py).
-- Every replica beats here with its inbox lease renewals. One live replica of the same pool
-- takes over a replica whose beat lapsed (heir) and follows the open orders whose place or
-- modify command the gone one ran (command_inbox.owner). A replica that beats again clears
-- its heir; rows are dropped a week after their last beat.
CREATE TABLE adapter_replicas (
    owner        text PRIMARY KEY,  -- the inbox's owner name, <pool>/<process>
    alive_until  timestamptz NOT NULL,
    heir         text
);
-- A gone replica's orders by the commands it ran: place rows are indexed by order id
-- (command_inbox_one_place), modify rows (few) here.
CREATE INDEX command_inbox_modify ON command_inbox (order_id) WHERE kind = 'modify';
